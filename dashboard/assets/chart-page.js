/* The chart and embed pages (dashboard/pages.py): draw the figure, make the tab links ARIA tabs, copy buttons.
 *
 * The page works without this script: the tabs are links to ?tab=…, and the figure's numbers are in the
 * Table tab and the text alternative. With it, tabs switch in place (arrow keys, Home and End move between
 * them, as the WAI-ARIA tabs pattern asks) and the address follows, so a copied link opens the same tab.
 * Not loaded by the Dash landing page (app.py's assets_ignore).
 */
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("plot");
    var data = el && document.getElementById(el.getAttribute("data-figure"));
    if (!el || !data || !window.Plotly) return;
    var fig = JSON.parse(data.textContent);
    var config = { displayModeBar: false, responsive: true, displaylogo: false };
    window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.on("plotly_hover", function () {
        keepHoverOnScreen(el);
      });
      postHeight();
    });
  }

  // A hover label wider than the room beside its bar would start off screen (on a 375 px phone, left of 0):
  // move it back inside the viewport, keeping a margin.
  function keepHoverOnScreen(el) {
    var margin = 4;
    var width = document.documentElement.clientWidth;
    Array.prototype.forEach.call(el.querySelectorAll(".hoverlayer .hovertext"), function (g) {
      var r = g.getBoundingClientRect();
      var shift = 0;
      if (r.width > width - 2 * margin || r.left < margin) shift = margin - r.left;
      else if (r.right > width - margin) shift = width - margin - r.right;
      if (!shift) return;
      var m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(g.getAttribute("transform") || "");
      if (!m) return;
      g.setAttribute("transform", "translate(" + (parseFloat(m[1]) + shift) + "," + m[2] + ")");
    });
  }

  // An embed tells the page framing it how tall it is (assets/embed-resize.js, in the embed code, sizes the
  // iframe by it): on load, on resize, whenever its content changes height ("The numbers as text"), and when the
  // framing page's script asks (it may start after the embed has posted).
  var lastHeight = -1;
  function postHeight() {
    if (!document.body.classList.contains("embed-page") || window.parent === window) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    window.parent.postMessage({ type: "send-dashboard:embed-height", height: height }, "*");
  }

  function embedSizing() {
    if (!document.body.classList.contains("embed-page")) return;
    window.addEventListener("load", postHeight);
    window.addEventListener("resize", postHeight);
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.addEventListener("toggle", postHeight);
    });
    if (window.ResizeObserver) new window.ResizeObserver(postHeight).observe(document.body);
    // The framing page's script asks when it starts (assets/embed-resize.js): it may have missed the posts above.
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || !event.data || event.data.type !== "send-dashboard:embed-height-request") {
        return;
      }
      lastHeight = -1;
      postHeight();
    });
    postHeight();
  }

  // The view's tab kept where the page's address is written: the share link, and the theme form (a hidden
  // field, as the server writes it: absent for the chart tab).
  function keepTab(link) {
    var share = document.getElementById("share-url");
    if (share) share.value = link.href;
    var form = document.querySelector(".filter-menu form");
    if (!form) return;
    var tab = link.id.replace(/^tab-/, "");
    var field = form.querySelector('input[name="tab"]');
    if (tab === "chart") {
      if (field) field.parentNode.removeChild(field);
      return;
    }
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "tab";
      form.insertBefore(field, form.querySelector('button[type="submit"]'));
    }
    field.value = tab;
  }

  // The citation's access date is the reader's today (the page may come from a cache of another day).
  function accessDate() {
    var cite = document.getElementById("cite-chart");
    var then = cite && cite.getAttribute("data-accessed");
    if (!then) return;
    var months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"];
    var d = new Date();
    var today = d.getDate() + " " + months[d.getMonth()] + " " + d.getFullYear();
    cite.value = cite.value.replace("accessed " + then + ")", "accessed " + today + ")");
    cite.setAttribute("data-accessed", today);
  }

  function tabs() {
    var list = document.querySelector('[role="tablist"]');
    if (!list) return;
    var links = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));

    function select(link, focus) {
      links.forEach(function (other) {
        var on = other === link;
        other.setAttribute("aria-selected", on ? "true" : "false");
        if (on) other.removeAttribute("tabindex");
        else other.setAttribute("tabindex", "-1");
        var panel = document.getElementById(other.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
      if (focus) link.focus();
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", link.href);
      keepTab(link);
      if (link.id === "tab-chart" && window.Plotly) {
        var plot = document.getElementById("plot");
        if (plot && plot.data) window.Plotly.Plots.resize(plot);
      }
    }

    links.forEach(function (link, i) {
      link.addEventListener("click", function (e) {
        e.preventDefault();
        select(link, false);
      });
      link.addEventListener("keydown", function (e) {
        var next = null;
        if (e.key === "ArrowRight") next = links[(i + 1) % links.length];
        else if (e.key === "ArrowLeft") next = links[(i - 1 + links.length) % links.length];
        else if (e.key === "Home") next = links[0];
        else if (e.key === "End") next = links[links.length - 1];
        else if (e.key === " " || e.key === "Spacebar") next = link;
        if (next) {
          e.preventDefault();
          select(next, true);
        }
      });
    });
  }

  function copies() {
    var status = document.querySelector(".copy-status");
    var share = document.getElementById("share-url");
    if (share) share.value = window.location.href; // the address as the reader sees it (behind any proxy)
    var embed = document.getElementById("embed-code");
    // The embed code's addresses on the origin the reader sees; a static copy (dashboard/site.py) may write
    // them relative to this page: made absolute here, since they are pasted into another site.
    if (embed) {
      embed.value = embed.value.replace(/src="([^"]*)"/g, function (all, src) {
        if (/^https?:\/\//.test(src)) return 'src="' + src.replace(/^https?:\/\/[^/]+/, window.location.origin) + '"';
        return 'src="' + new URL(src, window.location.href).href + '"';
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) return;
        var say = function (text) {
          if (status) status.textContent = text;
        };
        var done = function () {
          say(button.textContent.replace(/^Copy /, "Copied the ") + ".");
        };
        var fail = function () {
          say("Select the text and copy it with Ctrl+C (Cmd+C on a Mac).");
        };
        source.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, fail);
        } else {
          try {
            document.execCommand("copy");
            done();
          } catch (err) {
            fail();
          }
        }
      });
    });
  }

  function start() {
    embedSizing();
    draw();
    tabs();
    copies();
    accessDate();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
