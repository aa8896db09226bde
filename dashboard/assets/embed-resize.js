/* Sizes the iframes of the SEND Reform Survey Dashboard's embeds on the page that frames them (the embed code
 * loads this file from the dashboard, next to the iframe). Each embed page posts its height to its parent
 * (assets/chart-page.js: on load, on resize and when "The numbers as text" opens or closes); this listens,
 * takes only messages from the dashboard's own origin (the origin this script was served from) and sets the
 * height of the iframe whose window sent it; on start it asks the dashboard's iframes for their heights (an embed
 * that loaded first has posted before anyone listened). Without it the iframe keeps its fixed height, which shows
 * everything at any width from 320 px. No inline script, no global but one flag: CSP-friendly.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !me.src || !window.URL || !window.addEventListener) return;
  var origin = new URL(me.src, window.location.href).origin;
  var flag = "__sendEmbedResize:" + origin; // several embeds (or copies of this script): one listener per origin
  if (window[flag]) return;
  window[flag] = true;

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!data || data.type !== "send-dashboard:embed-height" || typeof data.height !== "number") return;
    var height = Math.ceil(data.height);
    if (!(height > 0) || height > 20000) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (new URL(frame.src, window.location.href).origin !== origin) return;
      frame.style.height = height + "px";
      frame.setAttribute("height", String(height));
      return;
    }
  });

  // An embed that loaded before this script listened has already posted its height (and posts again only when
  // it changes): ask each of the dashboard's iframes for it. One not loaded yet drops the request (its window is
  // not yet on the dashboard's origin) and posts its height itself once it loads.
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i++) {
    var src = frames[i].getAttribute("src");
    if (!src || !frames[i].contentWindow || new URL(src, window.location.href).origin !== origin) continue;
    frames[i].contentWindow.postMessage({ type: "send-dashboard:embed-height-request" }, origin);
  }
})();
