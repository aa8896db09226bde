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
  var OVER = "over-limit"; // filtering.OVER_LIMIT_CLASS
  var EMPTY = "list-empty"; // filtering.EMPTY_CLASS

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

  // filtering.list_marks: for each item of a list (its themes), whether it is in view and past the first
  // ``limit`` in view (null: no limit); and how many are in view.
  function listStates(items, selected, limit) {
    var n = 0;
    var states = items.map(function (themes) {
      var inView = shows(themes, selected);
      if (inView) n += 1;
      return { inView: inView, over: inView && limit !== null && n > limit };
    });
    return { states: states, n: n };
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return String(values[name]); });
  }

  // wording.list_words, from the templates of the model (the server's own words).
  function listWords(words, n, all) {
    return {
      count: fill(words.count, { shown: all ? n : Math.min(n, words.limit), n: n, total: words.total }),
      more: fill(all ? words.fewer : words.more, { n: n }),
    };
  }

  // Shows the items of a list that are in view, the first few unless all are asked for; its "nothing
  // matches" line when none is. Returns how many are in view.
  function listItems(list, selected, limit) {
    if (!list) return 0;
    var items = list.querySelectorAll("[" + ATTRIBUTE + "]");
    var themes = Array.prototype.map.call(items, function (el) { return words(el.getAttribute(ATTRIBUTE)); });
    var result = listStates(themes, selected, limit);
    result.states.forEach(function (s, i) {
      items[i].classList.toggle(HIDDEN, !s.inView);
      items[i].classList.toggle(OVER, s.over);
    });
    var empty = list.querySelector("." + EMPTY);
    if (empty) empty.classList.toggle(HIDDEN, result.n > 0);
    return result.n;
  }

  function odd(clicks) {
    return typeof clicks === "number" && clicks % 2 === 1;
  }

  // callbacks.applied: the selection a server-written list was written for.
  function applied(selected, all) {
    return selected.join(" ") + (all ? "|all" : "|");
  }

  var asked = 0; // each request to the server (a "wanted" store) is a new value

  // The quotations and context cards of a theme click or a "show all" click, in the browser: which items show,
  // the quotations' count and both buttons. The server is asked (a "wanted" store) for what the browser cannot
  // do: quotations it wrote for another selection (a theme clicked while a stance or search was on its way),
  // context cards of a survey whose series the browser cannot split, and an open table.
  function filterLists(value, quotesMore, contextMore, quoteList, model, tableClicks) {
    var dc = window.dash_clientside;
    var out = [dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update, dc.no_update];
    if (!model || !model.lists) return out;
    var selected = known(model, value);
    var id = model.ids || {};
    var fired = (dc.callback_context.triggered || []).map(function (t) { return t.prop_id.split(".")[0]; });
    var themesFired = fired.indexOf(id.themes) >= 0;
    var quotesAll = odd(quotesMore), contextAll = odd(contextMore);
    if (fired.indexOf(id.quotes) >= 0) {
      // The server's quotations: written for the selection in view, or asked for again. (Dash may hold a
      // theme click back until they arrive and then fire both: the click is applied below as well.)
      var written = quoteList && quoteList[0] && quoteList[0].props ? quoteList[0].props["data-applied"] : null;
      if (written !== applied(selected, quotesAll)) out[5] = { asked: ++asked };
      if (!themesFired) return out;
    }
    var lists = model.lists;
    if (themesFired || fired.indexOf(id.quotesMore) >= 0) {
      var q = listItems(document.getElementById(id.quotes), selected, quotesAll ? null : lists.quotes.limit);
      var qw = listWords(lists.quotes, q, quotesAll);
      out[0] = qw.count;
      out[1] = qw.more;
      out[2] = q > lists.quotes.limit ? {} : { display: "none" };
    }
    if (themesFired || fired.indexOf(id.contextMore) >= 0) {
      if (lists.context.browser) {
        var c = listItems(document.getElementById(id.context), selected, contextAll ? null : lists.context.limit);
        out[3] = listWords(lists.context, c, contextAll).more;
        out[4] = c > lists.context.limit ? {} : { display: "none" };
      } else {
        out[6] = { asked: ++asked };
      }
    }
    if (themesFired && typeof tableClicks === "number" && tableClicks >= 1) out[7] = { asked: ++asked };
    return out;
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
    send_filter: {
      filterPage: filterPage,
      filterLists: filterLists,
      _state: state,
      _shows: shows,
      _known: known,
      _listStates: listStates,
      _listWords: listWords,
    },
  });
})();
