/* The briefing pack chooser, on the landing page (Dash: buttons rendered by callbacks, so clicks are delegated
 * and labels refreshed when the page changes) and on each chart page.
 *
 * "Add to briefing" buttons carry data-briefing-add=<slug>, data-survey=<id> and data-title=<chart title>.
 * The choice is kept in localStorage ("send-briefing": {survey, charts: [{slug, title}], title, subtitle,
 * keepTheme, themes}) and can be shared as an address: the page's address with
 * #briefing=<survey=…&charts=a,b&title=…&subtitle=…&theme=…&name=…> (name: each chart's title, for the chooser),
 * which fills the chooser when opened.
 * A "Briefing (n)" button (bottom left, once a chart is chosen) opens a panel: the charts in order (move up, move down, remove), the title and
 * subtitle, whether to keep the page's theme filter, the share link, and the two downloads, fetched from
 * /briefing.pptx and /briefing.pdf (a 400 or 503 shows its message). A pack holds the charts of one survey:
 * adding a chart of another survey starts a new briefing, and says so.
 * No inline script, no eval: the page's CSP allows neither.
 */
(function () {
  "use strict";
  var KEY = "send-briefing";
  var MAX_CHARTS = 20; // as dashboard/briefing.py
  var MAX_TITLE = 120;
  var MAX_SUBTITLE = 160;
  var TIMEOUT_MS = 120000;
  var state = load();
  var panel = null;
  var toggle = null;
  var status = null;

  function empty() {
    return { survey: "", charts: [], title: "", subtitle: "", keepTheme: true, themes: [] };
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (saved && Array.isArray(saved.charts)) {
        var s = empty();
        s.survey = typeof saved.survey === "string" ? saved.survey : "";
        s.charts = saved.charts
          .filter(function (c) { return c && typeof c.slug === "string"; })
          .slice(0, MAX_CHARTS)
          .map(function (c) { return { slug: c.slug, title: typeof c.title === "string" ? c.title : c.slug }; });
        s.title = typeof saved.title === "string" ? saved.title.slice(0, MAX_TITLE) : "";
        s.subtitle = typeof saved.subtitle === "string" ? saved.subtitle.slice(0, MAX_SUBTITLE) : "";
        s.keepTheme = saved.keepTheme !== false;
        s.themes = Array.isArray(saved.themes) ? saved.themes.filter(function (t) { return typeof t === "string"; }) : [];
        return s;
      }
    } catch (e) { /* storage off or damaged: start afresh */ }
    return empty();
  }

  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: the address still works */ }
  }

  function prefix() {
    var config = document.getElementById("_dash-config");
    if (config) {
      try { return JSON.parse(config.textContent).requests_pathname_prefix || "/"; } catch (e) { return "/"; }
    }
    var home = document.querySelector("a.site-name");
    var href = home ? home.getAttribute("href") || "/" : "/";
    return href.split("?")[0].split("#")[0].replace(/[^/]*$/, "") || "/";
  }

  // The theme filter of the page in view (?theme=a,b, repeatable), as dashboard/selection.py reads it.
  function pageThemes() {
    var names = [];
    new URLSearchParams(window.location.search).getAll("theme").forEach(function (v) {
      v.split(",").forEach(function (n) {
        n = n.trim().toLowerCase();
        if (n && names.indexOf(n) < 0) names.push(n);
      });
    });
    return names;
  }

  function params() {
    var p = new URLSearchParams();
    if (state.survey) p.set("survey", state.survey);
    p.set("charts", state.charts.map(function (c) { return c.slug; }).join(","));
    if (state.keepTheme && state.themes.length) p.set("theme", state.themes.join(","));
    if (state.title) p.set("title", state.title);
    if (state.subtitle) p.set("subtitle", state.subtitle);
    return p;
  }

  function shareAddress() {
    var here = window.location.href.split("#")[0];
    var p = params();
    state.charts.forEach(function (c) { p.append("name", c.title); }); // for the chooser only, not the server
    return here + "#briefing=" + encodeURIComponent(p.toString());
  }

  // #briefing=… in the address: take it as the briefing (titles of the charts are their slugs until a button
  // on the page names them).
  function fromAddress() {
    var hash = window.location.hash || "";
    if (hash.indexOf("#briefing=") !== 0) return false;
    var p;
    try { p = new URLSearchParams(decodeURIComponent(hash.slice("#briefing=".length))); } catch (e) { return false; }
    var s = empty();
    s.survey = p.get("survey") || "";
    var names = p.getAll("name");
    s.charts = (p.get("charts") || "").split(",").filter(Boolean).slice(0, MAX_CHARTS)
      .map(function (slug, i) { return { slug: slug, title: (names[i] || slug).slice(0, 300) }; });
    s.title = (p.get("title") || "").slice(0, MAX_TITLE);
    s.subtitle = (p.get("subtitle") || "").slice(0, MAX_SUBTITLE);
    s.themes = (p.get("theme") || "").split(",").filter(Boolean);
    s.keepTheme = s.themes.length > 0;
    state = s;
    save();
    try { window.history.replaceState(null, "", window.location.href.split("#")[0]); } catch (e) { /* fine */ }
    return true;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function has(slug, survey) {
    return state.survey === survey && state.charts.some(function (c) { return c.slug === slug; });
  }

  function add(button) {
    var slug = button.getAttribute("data-briefing-add");
    var survey = button.getAttribute("data-survey") || "";
    var title = button.getAttribute("data-title") || slug;
    if (has(slug, survey)) {
      state.charts = state.charts.filter(function (c) { return c.slug !== slug; });
      say("Removed \u201c" + title + "\u201d from the briefing.");
    } else {
      var note = "";
      if (state.charts.length && state.survey !== survey) {
        state.charts = [];
        note = " A briefing holds the charts of one survey: this one starts a new briefing.";
      }
      if (state.charts.length >= MAX_CHARTS) {
        say("A briefing holds at most " + MAX_CHARTS + " charts.");
        return;
      }
      state.survey = survey;
      state.charts.push({ slug: slug, title: title });
      state.themes = pageThemes();
      say("Added \u201c" + title + "\u201d to the briefing (" + state.charts.length + ")." + note);
    }
    save();
    render();
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function move(i, by) {
    var j = i + by;
    if (j < 0 || j >= state.charts.length) return;
    var c = state.charts.splice(i, 1)[0];
    state.charts.splice(j, 0, c);
    save();
    render();
    var again = panel && panel.querySelectorAll(".briefing-item")[j];
    var same = again && again.querySelector(by < 0 ? "[data-move='up']" : "[data-move='down']");
    (same && !same.disabled ? same : again && again.querySelector("button")).focus();
  }

  function download(fmt, link) {
    var url = prefix() + "briefing." + fmt + "?" + params().toString();
    link.setAttribute("aria-busy", "true");
    say("Preparing the " + fmt.toUpperCase() + "\u2026");
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch(url, { credentials: "same-origin", signal: controller.signal })
      .then(function (response) {
        if (response.ok) {
          return response.blob().then(function (blob) {
            var header = response.headers.get("Content-Disposition") || "";
            var match = /filename="?([^";]+)"?/.exec(header);
            var a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "briefing." + fmt });
            document.body.appendChild(a);
            a.click();
            setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
            say("Downloaded the briefing as " + fmt.toUpperCase() + ".");
          });
        }
        return response.json().then(
          function (info) { say(info && info.message ? info.message : "The briefing failed (HTTP " + response.status + ")."); },
          function () { say("The briefing failed (HTTP " + response.status + "). Please try again."); }
        );
      })
      .catch(function () { say("The briefing failed: the server could not be reached. Please try again."); })
      .then(function () { clearTimeout(timer); link.removeAttribute("aria-busy"); });
  }

  function buildPanel() {
    toggle = el("button", { type: "button", class: "button briefing-toggle", "aria-expanded": "false", "aria-controls": "briefing-panel" });
    panel = el("section", { id: "briefing-panel", class: "briefing-panel", "aria-label": "Briefing pack", hidden: "" });
    status = el("p", { class: "briefing-status", role: "status", "aria-live": "polite" });
    toggle.addEventListener("click", function () {
      var open = panel.hasAttribute("hidden");
      if (open) panel.removeAttribute("hidden"); else panel.setAttribute("hidden", "");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && pageThemes().length) {
        state.themes = pageThemes();
        save();
      }
      render();
    });
    var wrap = el("div", { class: "briefing-dock" });
    wrap.appendChild(panel);
    wrap.appendChild(status);
    wrap.appendChild(toggle);
    document.body.appendChild(wrap);
    panel.addEventListener("click", function (event) {
      var b = event.target.closest("button, a[data-format]");
      if (!b || !panel.contains(b)) return;
      var i = Number(b.getAttribute("data-index"));
      var what = b.getAttribute("data-move");
      if (what === "up") move(i, -1);
      else if (what === "down") move(i, 1);
      else if (what === "remove") {
        var gone = state.charts.splice(i, 1)[0];
        save();
        render();
        say("Removed \u201c" + gone.title + "\u201d.");
        toggle.focus();
      } else if (b.hasAttribute("data-format")) {
        event.preventDefault();
        if (!state.charts.length) { say("Add a chart first."); return; }
        download(b.getAttribute("data-format"), b);
      } else if (b.hasAttribute("data-copy")) {
        var input = panel.querySelector("#briefing-share");
        input.select();
        var done = function () { say("Link copied."); };
        if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () { say("Select the link and copy it."); });
        else say("Select the link and copy it.");
      } else if (b.hasAttribute("data-clear")) {
        state = empty();
        save();
        render();
        say("The briefing is empty.");
      }
    });
    panel.addEventListener("input", function (event) {
      var t = event.target;
      if (t.id === "briefing-title") state.title = t.value.slice(0, MAX_TITLE);
      else if (t.id === "briefing-subtitle") state.subtitle = t.value.slice(0, MAX_SUBTITLE);
      else if (t.id === "briefing-keep-theme") state.keepTheme = t.checked;
      else return;
      save();
      refreshLinks();
    });
  }

  function refreshLinks() {
    if (!panel) return;
    var q = params().toString();
    panel.querySelectorAll("a[data-format]").forEach(function (a) {
      a.setAttribute("href", prefix() + "briefing." + a.getAttribute("data-format") + "?" + q);
    });
    var share = panel.querySelector("#briefing-share");
    if (share) share.value = shareAddress();
  }

  function render() {
    if (!toggle) buildPanel();
    toggle.textContent = "Briefing (" + state.charts.length + ")";
    toggle.hidden = !state.charts.length && panel.hasAttribute("hidden"); // shown once a chart is chosen
    document.querySelectorAll("[data-briefing-add]").forEach(function (b) {
      var on = has(b.getAttribute("data-briefing-add"), b.getAttribute("data-survey") || "");
      state.charts.forEach(function (c) {
        if (on && c.slug === b.getAttribute("data-briefing-add") && c.title === c.slug) c.title = b.getAttribute("data-title") || c.slug;
      });
      b.setAttribute("aria-pressed", on ? "true" : "false");
      var label = on ? "In the briefing \u2713" : "Add to briefing";
      if (b.textContent !== label) b.textContent = label;
    });
    if (panel.hasAttribute("hidden")) return;
    panel.textContent = "";
    panel.appendChild(el("h2", {}, "Your briefing"));
    if (!state.charts.length) {
      panel.appendChild(el("p", {}, "No chart yet: use \u201cAdd to briefing\u201d on a chart."));
    } else {
      var list = el("ol", { class: "briefing-list" });
      state.charts.forEach(function (c, i) {
        var li = el("li", { class: "briefing-item" });
        li.appendChild(el("span", { class: "briefing-name" }, c.title));
        var up = el("button", { type: "button", class: "button secondary", "data-move": "up", "data-index": String(i), "aria-label": "Move \u201c" + c.title + "\u201d up" }, "\u2191");
        var down = el("button", { type: "button", class: "button secondary", "data-move": "down", "data-index": String(i), "aria-label": "Move \u201c" + c.title + "\u201d down" }, "\u2193");
        if (i === 0) up.disabled = true;
        if (i === state.charts.length - 1) down.disabled = true;
        li.appendChild(up);
        li.appendChild(down);
        li.appendChild(el("button", { type: "button", class: "button secondary", "data-move": "remove", "data-index": String(i), "aria-label": "Remove \u201c" + c.title + "\u201d" }, "Remove"));
        list.appendChild(li);
      });
      panel.appendChild(list);
    }
    var title = el("input", { id: "briefing-title", type: "text", maxlength: String(MAX_TITLE), placeholder: "Briefing: the survey's name" });
    title.value = state.title;
    var subtitle = el("input", { id: "briefing-subtitle", type: "text", maxlength: String(MAX_SUBTITLE), placeholder: "Organisation, meeting" });
    subtitle.value = state.subtitle;
    panel.appendChild(el("label", { for: "briefing-title" }, "Title"));
    panel.appendChild(title);
    panel.appendChild(el("label", { for: "briefing-subtitle" }, "Subtitle (optional)"));
    panel.appendChild(subtitle);
    if (state.themes.length) {
      var keep = el("input", { id: "briefing-keep-theme", type: "checkbox" });
      keep.checked = state.keepTheme;
      var label = el("label", { for: "briefing-keep-theme", class: "briefing-keep" });
      label.appendChild(keep);
      label.appendChild(document.createTextNode(" Keep the theme filter (" + state.themes.join(", ") + ")"));
      panel.appendChild(label);
    }
    var downloads = el("p", { class: "briefing-downloads" });
    downloads.appendChild(el("a", { class: "button", "data-format": "pptx", href: "#" }, "Download PowerPoint (.pptx)"));
    downloads.appendChild(el("a", { class: "button", "data-format": "pdf", href: "#" }, "Download PDF"));
    panel.appendChild(downloads);
    panel.appendChild(el("label", { for: "briefing-share" }, "Link to this briefing"));
    panel.appendChild(el("input", { id: "briefing-share", type: "text", readonly: "" }));
    var tools = el("p", {});
    tools.appendChild(el("button", { type: "button", class: "button secondary", "data-copy": "" }, "Copy link"));
    tools.appendChild(el("button", { type: "button", class: "button secondary", "data-clear": "" }, "Empty the briefing"));
    panel.appendChild(tools);
    refreshLinks();
  }

  function start() {
    var shared = fromAddress();
    render();
    if (shared) toggle.click();
    document.addEventListener("click", function (event) {
      var b = event.target.closest && event.target.closest("[data-briefing-add]");
      if (b) {
        event.preventDefault();
        add(b);
      }
    });
    // The landing page renders its cards in callbacks: label new buttons as they appear.
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        document.querySelectorAll("[data-briefing-add]").forEach(function (b) {
          var on = has(b.getAttribute("data-briefing-add"), b.getAttribute("data-survey") || "");
          if (b.getAttribute("aria-pressed") !== (on ? "true" : "false")) {
            b.setAttribute("aria-pressed", on ? "true" : "false");
            b.textContent = on ? "In the briefing \u2713" : "Add to briefing";
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("storage", function (event) {
      if (event.key === KEY) { state = load(); render(); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
