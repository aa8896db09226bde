/* Clientside callbacks of the landing page (the Dash app).
 *
 * pickSurvey reads ?survey= from the address into the survey store (unchanged: no update, so the page is
 * not rendered again when only the themes change). syncUrl keeps the theme checkboxes and ?theme= in step,
 * both ways, with no round trip to the server. Unknown themes or surveys are dropped from the address and
 * named in a notice, returned as a string child (React renders it as text).
 * The address grammar mirrors dashboard/selection.py (readSelection ~ from_search, clean ~ themes_in,
 * surveyOf ~ survey_in, query ~ query); tests/fixtures/url-grammar.json holds the cases both are tested on.
 * The helpers are exposed on window.dash_clientside.send for the tests.
 */
(function () {
  "use strict";
  var MAX_QUERY = 2000; // characters of the query string looked at
  var MAX_VALUES = 50; // theme values looked at
  var MAX_VALUE = 2000; // characters of one value looked at
  var MAX_UNKNOWN = 5;
  var TABS = ["chart", "table", "sources"];
  var ON = ["on", "1", "true"];

  function shorten(text) {
    return text.length <= 40 ? text : text.slice(0, 39) + "\u2026";
  }

  // Any value as [known theme ids in page order, unknown entries shortened for display].
  function clean(values, known) {
    if (typeof values === "string") values = [values];
    if (!Array.isArray(values)) {
      return [[], values === null || values === undefined ? [] : [shorten(JSON.stringify(values) || String(values))]];
    }
    var wanted = {};
    var unknown = [];
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (typeof v === "string" && known.indexOf(v) >= 0) {
        wanted[v] = true;
      } else {
        var s = shorten(typeof v === "string" ? v : JSON.stringify(v) || String(v));
        if (unknown.indexOf(s) < 0 && unknown.length < MAX_UNKNOWN) unknown.push(s);
      }
    }
    return [known.filter(function (t) { return wanted[t]; }), unknown];
  }

  // The non-blank values of a parameter, each cut to MAX_VALUE characters.
  function values(params, name) {
    return params
      .getAll(name)
      .filter(function (v) { return v; })
      .map(function (v) { return v.slice(0, MAX_VALUE); });
  }

  // The selection an address's query string names: {survey ("" = the default), themes (names, known or not),
  // intervals, tab}. Theme values are comma-separated and repeatable; names are trimmed and lower-cased.
  function readSelection(search) {
    // URLSearchParams drops one leading "?" itself, as selection.from_search does.
    var params = new URLSearchParams(typeof search === "string" ? search.slice(0, MAX_QUERY) : "");
    var names = [];
    values(params, "theme").slice(0, MAX_VALUES).forEach(function (value) {
      value.split(",").forEach(function (name) {
        name = name.trim().toLowerCase();
        if (name) names.push(name);
      });
    });
    var tab = values(params, "tab")[0] || "chart";
    return {
      survey: values(params, "survey")[0] || "",
      themes: names,
      intervals: ON.indexOf(values(params, "intervals")[0]) >= 0,
      tab: TABS.indexOf(tab) >= 0 ? tab : "chart",
    };
  }

  // "?theme=a,b&theme=c" -> clean(["a", "b", "c"]).
  function parse(search, known) {
    return clean(readSelection(search).themes, known);
  }

  // The survey the address names: [id, unknown name or null]; the default when it names none or an unknown one.
  function surveyOf(search, surveys) {
    var wanted = readSelection(search).survey;
    var ids = (surveys && surveys.ids) || [];
    if (wanted && ids.indexOf(wanted) >= 0) return [wanted, null];
    return [surveys && surveys["default"], wanted ? shorten(wanted) : null];
  }

  // As encodeURIComponent, but commas kept (they separate themes).
  function encode(value) {
    return encodeURIComponent(value).replace(/%2C/g, ",");
  }

  // The query string of a selection; the default survey, no intervals and the chart tab are not written.
  function query(survey, surveys, themes, intervals, tab) {
    var parts = [];
    if (survey && surveys && survey !== surveys["default"]) parts.push("survey=" + encode(survey));
    if (themes.length) parts.push("theme=" + encode(themes.join(",")));
    if (intervals) parts.push("intervals=on");
    if (tab && tab !== "chart") parts.push("tab=" + encode(tab));
    return parts.length ? "?" + parts.join("&") : "";
  }

  function notice(unknown, unknownSurvey) {
    var out = [];
    if (unknownSurvey) out.push("Unknown survey: " + unknownSurvey + ". Showing the default survey.");
    if (unknown.length) {
      out.push("Ignored unknown theme" + (unknown.length > 1 ? "s" : "") + ": " + unknown.join(", ") + ". Showing the rest.");
    }
    return out.length ? [out.join(" ")] : [];
  }

  function pickSurvey(search, surveys, current) {
    var id = surveyOf(search, surveys)[0];
    return id === current ? window.dash_clientside.no_update : id;
  }

  function same(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every(function (x, i) { return x === b[i]; });
  }

  function syncUrl(search, selected, known, surveys) {
    var dc = window.dash_clientside;
    known = Array.isArray(known) ? known : [];
    var triggered = (dc.callback_context && dc.callback_context.triggered) || [];
    var fromBoxes = triggered.some(function (t) { return t.prop_id === "theme-filter.value"; });
    var survey = surveyOf(search, surveys);
    if (fromBoxes) {
      var chosen = clean(selected, known);
      var q = query(survey[0], surveys, chosen[0]);
      return [q !== (search || "") ? q : dc.no_update, dc.no_update, notice(chosen[1], null)];
    }
    var parsed = parse(search, known);
    // An unknown theme or survey is dropped from the address too, so a shared link is the view shown.
    var rewrite = parsed[1].length || survey[1];
    return [
      rewrite ? query(survey[0], surveys, parsed[0]) : dc.no_update,
      same(parsed[0], selected) ? dc.no_update : parsed[0],
      notice(parsed[1], survey[1]),
    ];
  }

  // The page arrives by callback (after its first view, below). When it does: the document's title becomes the
  // survey's site name (its catalogue's words), and the compact filter control opens where the filters stand beside the page (a wide
  // screen); on a phone it stays closed, so the page starts with its findings. The "Themes" button opens it.
  var WIDE = "(min-width: 1000px)";
  var seen = null;
  function arrived() {
    var panel = document.getElementById("filter-panel");
    if (panel && panel !== seen) {
      seen = panel;
      if (window.matchMedia(WIDE).matches) panel.open = true;
    }
    var h1 = document.getElementById("site-title");
    if (h1 && h1.textContent && document.title !== h1.textContent) document.title = h1.textContent;
  }
  // The first view (dashboard/firstview.py: the page written into the HTML of /) gives way to Dash's page when
  // its content arrives: removed here, in the MutationObserver's callback, before the next paint, so there is no
  // frame without a page and no id twice in the document. The filter panel stays open if the reader opened it,
  // and the focus stays on the element of the same id.
  var FIRST = "first-view";
  function handOver() {
    var first = document.getElementById(FIRST);
    var page = document.getElementById("page");
    if (!first || !page || !page.firstElementChild) return;
    var panel = first.querySelector("#filter-panel");
    var opened = panel && panel.open;
    var focused = first.contains(document.activeElement) ? document.activeElement.id : "";
    first.remove();
    var mounted = document.getElementById("filter-panel");
    if (opened && mounted) mounted.open = true;
    var target = focused && document.getElementById(focused);
    if (target && target.focus) target.focus({ preventScroll: true });
  }
  // Until then, a tick in the first view's filter form goes to the address of the boxes ticked, as the form's
  // button does without a script (that address's HTML is its first view); a tick made before this script ran is
  // acted on when it starts. The form has autocomplete="off": the browser restores no ticks on going back.
  function firstViewAddress(form) {
    var ticked = function (name) {
      return [].slice.call(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (b) { return b.value; });
    };
    var survey = form.querySelector('input[name="survey"]');
    return window.location.pathname + query(survey ? survey.value : "", { "default": "" }, ticked("theme"), ticked("intervals").length > 0);
  }
  function firstViewTick(event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-first-view") && document.getElementById(FIRST)) {
      window.location.assign(firstViewAddress(form));
    }
  }
  function tickedEarly() {
    var form = document.querySelector("#" + FIRST + " form[data-first-view]");
    var boxes = form ? form.querySelectorAll('input[type="checkbox"]') : [];
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked !== boxes[i].defaultChecked) return firstViewTick({ target: boxes[i] });
    }
  }
  function openFilters(event) {
    var link = event.target.closest && event.target.closest('a[href="#filters"]');
    var panel = document.getElementById("filter-panel");
    if (link && panel) panel.open = true;
  }
  if (typeof MutationObserver !== "undefined" && typeof document !== "undefined") {
    var start = function () {
      new MutationObserver(function () {
        handOver();
        arrived();
      }).observe(document.body, { childList: true, subtree: true });
      document.addEventListener("click", openFilters);
      document.addEventListener("change", firstViewTick);
      tickedEarly();
      handOver();
      arrived();
    };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    send: {
      syncUrl: syncUrl,
      pickSurvey: pickSurvey,
      query: query, // the one builder of a selection's query string (export.js uses it too)
      _clean: clean,
      _parse: parse,
      _readSelection: readSelection,
      _query: query,
      _notice: notice,
      _surveyOf: surveyOf,
    },
  });
})();
