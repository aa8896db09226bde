/* "Download all charts in view": a clientside callback that fetches the zip from the server's export route
 * (GET <prefix>export/charts.zip?format=png|svg&survey=<id>&theme=a,b&intervals=on, the selection's part built by
 * dashboard.js's query) and hands it to dcc.Download.
 *
 * The export is a plain HTTP request rather than a server callback so that a busy server can answer it the
 * way HTTP means: 503 with Retry-After and a JSON {message}. The message (or, on success, how many charts
 * were downloaded) is the callback's status text. The buttons are disabled while an export runs.
 */
(function () {
  "use strict";
  var TIMEOUT_MS = 90000; // the server gives up well before this (queue wait + time limit)

  function prefix() {
    try {
      var config = JSON.parse(document.getElementById("_dash-config").textContent);
      return config.requests_pathname_prefix || "/";
    } catch (e) {
      return "/";
    }
  }

  function toBase64(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result).split(",", 2)[1] || ""); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  function filename(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  function setDisabled(ids, disabled) {
    var dc = window.dash_clientside;
    if (!dc.set_props) return;
    ids.forEach(function (id) { dc.set_props(id, { disabled: disabled }); });
  }

  async function exportCharts(pngClicks, svgClicks, themes, intervals, survey) {
    var dc = window.dash_clientside;
    var ctx = dc.callback_context || {};
    var triggered = (ctx.triggered || [])[0];
    var buttons = (ctx.inputs_list || []).map(function (i) { return i.id; });
    var status = ((ctx.outputs_list || [])[1] || {}).id;
    if (!triggered || !triggered.value) return [dc.no_update, dc.no_update];
    var fmt = buttons.length > 1 && triggered.prop_id.indexOf(buttons[1] + ".") === 0 ? "svg" : "png";
    // The selection's query string from dashboard.js's builder (the survey always written: {} has no default).
    var selection = dc.send.query(
      typeof survey === "string" ? survey : "",
      {},
      Array.isArray(themes) ? themes : [],
      Array.isArray(intervals) && intervals.indexOf("on") >= 0
    );
    var params = "format=" + fmt + (selection ? "&" + selection.slice(1) : "");

    setDisabled(buttons, true);
    if (status && dc.set_props) dc.set_props(status, { children: "Preparing the charts\u2026" });
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    try {
      var response = await fetch(prefix() + "export/charts.zip?" + params, {
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.ok) {
        var blob = await response.blob();
        var n = Number(response.headers.get("X-Export-Charts")) || 0;
        var name = filename(response, "send-survey-charts-" + fmt + ".zip");
        return [
          { content: await toBase64(blob), filename: name, base64: true, type: "application/zip" },
          "Downloaded " + n + " chart" + (n === 1 ? "" : "s") + " as " + fmt.toUpperCase() + ".",
        ];
      }
      var info = {};
      try { info = await response.json(); } catch (e) { info = {}; }
      var message = typeof info.message === "string" && info.message
        ? info.message
        : "The export failed (HTTP " + response.status + "). Please try again.";
      return [dc.no_update, message];
    } catch (e) {
      return [dc.no_update, "The export failed: the server could not be reached. Please try again."];
    } finally {
      clearTimeout(timer);
      setDisabled(buttons, false);
    }
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.send_export = { exportCharts: exportCharts };
})();
