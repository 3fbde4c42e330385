/* carecast: draw Plotly figures from their JSON blocks, drag-and-drop uploads, upload progress.
   No inline scripts (the Content-Security-Policy forbids them): everything is wired here. */
(function () {
  "use strict";

  var plotlyLoading = false;

  function loadPlotly() {
    // Plotly.js is large: fetch it (from this app, never a CDN) only on pages that have a chart.
    if (plotlyLoading) return;
    plotlyLoading = true;
    var s = document.createElement("script");
    s.src = "/vendor/plotly.min.js";
    s.onload = function () { drawFigures(document); };
    document.head.appendChild(s);
  }

  function drawFigures(root) {
    if (!root.querySelector("[data-figure]")) return;
    if (!window.Plotly) { loadPlotly(); return; }
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var fig = JSON.parse(el.dataset.figure);
      var layout = Object.assign({}, fig.layout || {}, { autosize: true });
      window.Plotly.newPlot(el, fig.data || [], layout, { displaylogo: false, responsive: true });
      el.dataset.drawn = "1";
    });
  }

  function wireDropzones(root) {
    root.querySelectorAll(".dropzone").forEach(function (zone) {
      if (zone.dataset.wired) return;
      zone.dataset.wired = "1";
      var input = zone.querySelector("input[type=file]");
      var list = zone.querySelector(".file-list");
      function show() {
        if (!list) return;
        var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
        list.textContent = names.length ? "Chosen: " + names.join(", ") : "";
      }
      input.addEventListener("change", show);
      ["dragenter", "dragover"].forEach(function (t) {
        zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
      });
    });
  }

  function init(root) { drawFigures(root); wireDropzones(root); }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    if (window.htmx) {
      // show error fragments (4xx/5xx) in place instead of dropping them
      window.htmx.config.responseHandling = [
        { code: "204", swap: false }, { code: "[23]..", swap: true },
        { code: "[45]..", swap: true, error: true }
      ];
    }
  });
  // htmx fires htmx:load on every piece of content it swaps in (including outerHTML swaps)
  document.addEventListener("htmx:load", function (e) { init(e.target); });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var bar = document.getElementById("upload-progress");
    if (bar && e.detail.lengthComputable) {
      bar.value = Math.round((100 * e.detail.loaded) / e.detail.total);
      bar.textContent = bar.value + "%";
      var label = document.getElementById("upload-progress-label");
      if (label) label.textContent = "Sending files: " + bar.value + "%";
    }
  });
})();
