// Reports: draws each figure's chart from its JSON data block (json_script: data, not
// script, so the CSP allows it). Without JS the tables under the charts say the same.
(function () {
  "use strict";
  if (typeof window.Chart !== "function") return;
  var colours = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2"];
  document.querySelectorAll("canvas[data-report-chart]").forEach(function (canvas) {
    var node = document.getElementById(canvas.dataset.reportChart);
    if (!node) return;
    var spec = JSON.parse(node.textContent);
    var datasets = spec.series.map(function (s, i) {
      var colour = colours[i % colours.length];
      return {
        label: s.label, data: s.data, borderColor: colour, backgroundColor: colour + "99",
        pointRadius: spec.type === "line" ? 0 : undefined, spanGaps: true, borderWidth: 2
      };
    });
    canvas.dataset.ready = "1";
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { autoSkip: true, maxTicksLimit: 16 } }, y: { beginAtZero: true } }
      }
    });
  });
})();
