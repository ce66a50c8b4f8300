/* Draw every chart from its embedded figure JSON (no network: plotly.js is inlined above). */
(function () {
  "use strict";
  var config = { displaylogo: false, responsive: true, typesetMath: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
  document.querySelectorAll(".chart[data-figure]").forEach(function (div) {
    var spec = JSON.parse(document.getElementById(div.getAttribute("data-figure")).textContent);
    if (!window.Plotly) {
      div.textContent = "Charts need JavaScript and the inlined plotly.js.";
      return;
    }
    window.Plotly.newPlot(div, spec.data || [], spec.layout || {}, config);
  });
})();
