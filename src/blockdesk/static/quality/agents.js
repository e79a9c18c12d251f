// Scores per agent: one line per agent from the page's JSON (no inline script: CSP).
(function () {
  "use strict";
  var data = document.getElementById("quality-data");
  var canvas = document.getElementById("quality-chart");
  if (!data || !canvas || typeof window.Chart !== "function") return;
  var chart = JSON.parse(data.textContent);
  canvas.dataset.ready = "1";
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: chart.labels,
      datasets: chart.series.map(function (s) {
        return { label: s.label, data: s.data, spanGaps: true, pointRadius: 3 };
      })
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { min: 0, max: 100 } }
    }
  });
})();
