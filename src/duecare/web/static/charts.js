// Draws each <div data-chart="ID"> from the JSON figure in <script type="application/json" id="ID">,
// with the plotly.min.js bundled in the installed plotly wheel (served locally, never from a CDN).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) return;
      var fig = JSON.parse(src.textContent);
      var layout = Object.assign({ autosize: true, margin: { l: 50, r: 10, t: 40, b: 50 } }, fig.layout || {});
      window.Plotly.newPlot(el, fig.data || [], layout, { displayModeBar: false, responsive: true });
    });
  });
})();
