/* Theme filtering of the landing page, in the browser: a theme click waits on no server.
 *
 * dashboard/filtering.py says the rule and why. Every part of the page a selection can hide carries its
 * themes (data-themes); with no theme ticked everything shows, otherwise a part shows when it shares a theme
 * with the selection. filterPage (a clientside callback, registered in dashboard/callbacks.py) applies the rule,
 * points every chart link at the selection, and returns the "Showing…" line, the filter control's words and
 * the overview chart's question, key and footer. The key and footer are the server's, for every set of rows a
 * selection can leave (landing.filter_model): this script only picks one. When the model does not hold the
 * set (a survey with very many themes), it asks the server for them (the "overview-wanted" store).
 *
 * Mirrored from the server, on the same cases in tests/dashboard/test_filter_js.py: the rule
 * (filtering.shown), the themes named (wording.themes_named), the summary (components.summary_text), the
 * filter control's words (components.filter_state) and the "Filtered to" note (views.filter_note).
 */
(function () {
  "use strict";
  var HIDDEN = "filtered-out"; // filtering.HIDDEN_CLASS
  var ATTRIBUTE = "data-themes"; // filtering.ATTRIBUTE
  var LINK = "data-chart-link"; // filtering.LINK_ATTRIBUTE

  function words(text) {
    return typeof text === "string" ? text.split(/\s+/).filter(function (w) { return w; }) : [];
  }

  // filtering.shown
  function shows(themes, selected) {
    return !selected.length || themes.some(function (t) { return selected.indexOf(t) >= 0; });
  }

  // The known themes ticked, in page order (as data.clean_themes keeps them).
  function known(model, value) {
    var ticked = Array.isArray(value) ? value : [];
    return model.themes.map(function (t) { return t[0]; }).filter(function (id) { return ticked.indexOf(id) >= 0; });
  }

  function labelsOf(model, ids) {
    return model.themes.filter(function (t) { return ids.indexOf(t[0]) >= 0; }).map(function (t) { return t[1]; });
  }

  // wording.themes_named
  function named(model, selected) {
    var names = labelsOf(model, selected);
    return names.length ? names.join(", ") : "all themes";
  }

  // What a selection shows, as data: the tests compare it with the server's on the same selections.
  function state(model, selected) {
    var n = model.results.filter(function (r) { return shows(words(r), selected); }).length;
    var all = named(model, selected);
    var rows = model.overview.rows.map(words);
    var inView = rows.map(function (ts) { return shows(ts, selected); });
    var present = [];
    rows.forEach(function (ts, i) { if (inView[i]) present = present.concat(ts); });
    var kept = inView.filter(function (v) { return v; }).length;
    var filtered = selected.length && kept < rows.length
      ? "Filtered to: " + labelsOf(model, selected.filter(function (t) { return present.indexOf(t) >= 0; })).join(", ")
      : "";
    var signature = inView.map(function (v) { return v ? "1" : "0"; }).join("");
    var pair = model.overview.sets ? model.overview.sets[signature] : undefined;
    return {
      summary: "Showing " + all + ": " + n + " survey result" + (n !== 1 ? "s" : "") + ".",
      filterState: / themes$/.test(all) ? all.slice(0, -" themes".length) : all,
      question: model.overview.question + (filtered ? " (" + filtered + ")" : ""),
      signature: signature,
      key: pair ? model.overview.keys[pair[0]] : null,
      footer: pair ? model.overview.footers[pair[1]] : null,
    };
  }

  // Shows and hides the marked parts, and points the chart links at the selection.
  function apply(root, selected, suffix) {
    var parts = root.querySelectorAll("[" + ATTRIBUTE + "]");
    for (var i = 0; i < parts.length; i++) {
      parts[i].classList.toggle(HIDDEN, !shows(words(parts[i].getAttribute(ATTRIBUTE)), selected));
    }
    var links = root.querySelectorAll("a[" + LINK + "]");
    for (var j = 0; j < links.length; j++) {
      links[j].setAttribute("href", "/chart/" + links[j].getAttribute(LINK) + suffix);
    }
  }

  // The overview rows whose key and footer are on the page, and the model (the page) they belong to.
  var shown = { model: null, signature: null };

  function filterPage(value, model, survey, surveys) {
    var dc = window.dash_clientside;
    if (!model || !Array.isArray(model.themes)) return [dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update];
    var selected = known(model, value);
    var s = state(model, selected);
    var root = document.getElementById("page") || document;
    apply(root, selected, dc.send.query(survey, surveys, selected));
    var same = shown.model === model && s.signature === shown.signature;
    shown = { model: model, signature: s.key ? s.signature : null };
    return [
      s.question,
      s.key && !same ? s.key : dc.no_update,
      s.footer && !same ? s.footer : dc.no_update,
      s.summary,
      s.filterState,
      s.key ? dc.no_update : selected,
    ];
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    send_filter: { filterPage: filterPage, _state: state, _shows: shows, _known: known },
  });
})();
