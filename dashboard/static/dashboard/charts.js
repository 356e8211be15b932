/*
 * charts.js: draws the dashboard's charts with Chart.js (static/vendor/chartjs/).
 *
 * A <canvas data-chart="ID"> reads its data from <script type="application/json" id="ID">
 * (Django's json_script): {type, labels, datasets: [{label, data}], axis}. No inline script,
 * so the Content-Security-Policy stays strict. Datasets differ by pattern as well as colour
 * (solid, then hatched border), values are printed on the bars, and every chart has its
 * table next to it for screen readers and for copying.
 */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var colours = ["#1b6ec2", "#e07a10", "#2e8b57", "#7a3fb0"];
  var dashes = [[], [6, 3], [2, 2], [8, 2, 2, 2]];

  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "#212529";
      ctx.font = "12px sans-serif";
      ctx.textAlign = "center";
      chart.data.datasets.forEach(function (dataset, i) {
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (value !== null && value !== undefined) {
            ctx.fillText(String(value), bar.x, bar.y - 4);
          }
        });
      });
      ctx.restore();
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (dataset, i) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colours[i % colours.length] + (i ? "66" : "cc"),
        borderColor: colours[i % colours.length],
        borderWidth: 2,
        borderDash: dashes[i % dashes.length]
      };
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { top: 16 } },
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: { beginAtZero: true, title: { display: !!spec.axis, text: spec.axis }, ticks: { precision: 0 } } }
      },
      plugins: [valueLabels]
    });
  });
})();
