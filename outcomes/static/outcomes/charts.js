/* Small charts of an organisation's indicators over time (Chart.js, vendored). The figures
 * come from the page (json_script "outcome-charts"); each chart has a table with the same
 * figures under it, and each source is drawn with its own point shape, not by colour alone. */
(function () {
  "use strict";
  var data = document.getElementById("outcome-charts");
  if (!data || !window.Chart) return;
  var charts = JSON.parse(data.textContent || "[]");
  charts.forEach(function (chart) {
    var canvas = document.getElementById("outcome-chart-" + chart.index);
    if (!canvas) return;
    var ticks = chart.ticks || {};
    var hasTicks = Object.keys(ticks).length > 0;
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.points.map(function (p) { return p.date; }),
        datasets: [{
          label: chart.label,
          data: chart.points.map(function (p) { return p.y; }),
          pointStyle: chart.points.map(function (p) { return p.style; }),
          pointRadius: 6,
          borderWidth: 2,
          tension: 0,
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) { var p = chart.points[ctx.dataIndex]; return p.text + " · " + p.source; },
            },
          },
        },
        scales: {
          y: {
            beginAtZero: true,
            ticks: hasTicks ? { stepSize: 1, callback: function (v) { return ticks[String(v)] || ""; } } : {},
          },
        },
      },
    });
  });
})();
