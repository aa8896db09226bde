/* Clientside callbacks of the SEND Reform Survey Dashboard.
 *
 * syncUrl keeps the theme checkboxes and the address's ?theme= in step, in both directions, without a
 * round trip to the server (so the panel callback is not held back behind it). Unknown themes are dropped
 * and named in a notice; the notice is returned as a string child, which React renders as text.
 * The helpers are exposed on window.dash_clientside.send for the browser tests.
 */
(function () {
  "use strict";
  var MAX_QUERY = 2000; // characters of the query string looked at
  var MAX_UNKNOWN = 5;

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

  // "?theme=a,b&theme=c" -> clean(["a", "b", "c"]); names are trimmed and lower-cased.
  function parse(search, known) {
    if (typeof search !== "string" || !search) return [[], []];
    var params = new URLSearchParams(search.slice(0, MAX_QUERY).replace(/^\?/, ""));
    var names = [];
    params.getAll("theme").forEach(function (value) {
      value.split(",").forEach(function (name) {
        name = name.trim().toLowerCase();
        if (name) names.push(name);
      });
    });
    return clean(names, known);
  }

  function query(themes) {
    return themes.length ? "?theme=" + themes.join(",") : "";
  }

  function notice(unknown) {
    if (!unknown.length) return [];
    return ["Ignored unknown theme" + (unknown.length > 1 ? "s" : "") + ": " + unknown.join(", ") + ". Showing the rest."];
  }

  function syncUrl(search, selected, known) {
    var dc = window.dash_clientside;
    known = Array.isArray(known) ? known : [];
    var triggered = (dc.callback_context && dc.callback_context.triggered) || [];
    var fromBoxes = triggered.some(function (t) { return t.prop_id === "theme-filter.value"; });
    if (fromBoxes) {
      var chosen = clean(selected, known);
      var q = query(chosen[0]);
      return [q !== (search || "") ? q : dc.no_update, dc.no_update, notice(chosen[1])];
    }
    var parsed = parse(search, known);
    // An unknown theme is dropped from the address too, so a shared link is the view shown.
    return [parsed[1].length ? query(parsed[0]) : dc.no_update, parsed[0], notice(parsed[1])];
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    send: { syncUrl: syncUrl, _clean: clean, _parse: parse, _query: query, _notice: notice },
  });
})();

/* Accessibility mend for Dash 4's dcc.Checklist. It renders a role="listbox" with no accessible name
 * whose role="option" labels wrap native checkboxes: axe-core flags both (aria-input-field-name,
 * nested-interactive, serious). The native checkboxes inside a <fieldset> with a <legend> already carry
 * the right semantics, so the ARIA list roles are removed and the group is named by its legend. React
 * leaves the attributes alone afterwards: it diffs against its own virtual DOM, where they never change.
 */
(function () {
  "use strict";
  var counter = 0;

  function mend(root) {
    var lists = root.querySelectorAll ? root.querySelectorAll('.checklist[role="listbox"], .checklist [role="listbox"]') : [];
    Array.prototype.forEach.call(lists, function (list) {
      list.setAttribute("role", "group");
      list.removeAttribute("aria-multiselectable");
      var legend = list.closest("fieldset") && list.closest("fieldset").querySelector("legend");
      if (legend) {
        if (!legend.id) legend.id = "checklist-legend-" + ++counter;
        list.setAttribute("aria-labelledby", legend.id);
      }
    });
    var options = root.querySelectorAll ? root.querySelectorAll('.checklist [role="option"]') : [];
    Array.prototype.forEach.call(options, function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
  }

  function start() {
    mend(document);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "attributes") {
          if (r.target.getAttribute("role") === "option" || r.target.getAttribute("role") === "listbox") mend(r.target.parentNode || document);
        } else {
          r.addedNodes.forEach(function (n) { if (n.nodeType === 1) mend(n.parentNode || n); });
        }
      });
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["role", "aria-selected"] });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
