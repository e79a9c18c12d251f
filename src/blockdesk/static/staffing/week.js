// Settings → Staffing: the week's chart from the page's JSON (no inline script: CSP).
(function () {
  "use strict";
  var data = document.getElementById("staffing-data");
  var canvas = document.getElementById("staffing-chart");
  var names = document.getElementById("staffing-labels");
  if (!data || !canvas || !names || typeof window.Chart !== "function") return;
  var chart = JSON.parse(data.textContent);
  var datasets = [
    { type: "bar", label: names.dataset.needed, data: chart.needed, yAxisID: "agents",
      backgroundColor: "rgba(37, 99, 235, 0.45)", order: 2 },
    { type: "line", label: names.dataset.onQueue, data: chart.on_queue, yAxisID: "agents",
      borderColor: "rgba(37, 99, 235, 0.9)", borderWidth: 1, pointRadius: 0, stepped: true,
      order: 1 },
    { type: "line", label: names.dataset.arrivals, data: chart.arrivals, yAxisID: "arrivals",
      borderColor: "rgba(100, 116, 139, 0.8)", borderDash: [4, 3], pointRadius: 0, order: 0 }
  ];
  if (chart.scheduled) {
    datasets.push({ type: "line", label: names.dataset.scheduled, data: chart.scheduled,
      yAxisID: "agents", borderColor: "rgb(220, 38, 38)", borderWidth: 2, pointRadius: 0,
      stepped: true, order: 0 });
  }
  canvas.dataset.ready = "1";
  new window.Chart(canvas, {
    data: { labels: chart.labels, datasets: datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxTicksLimit: 14 } },
        agents: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: names.dataset.needed } },
        arrivals: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
          title: { display: true, text: names.dataset.arrivals } }
      }
    }
  });
})();
