/* Dashboard charts (ECharts, vendored). Data comes from the json_script element
   #dashboard-data written by the page; no inline handlers, no UI text here. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels || {};

  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }

  function bars(rows, nameKey, keys) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 48, bottom: 60, top: 64 },
      xAxis: { type: "category", data: pick(rows, nameKey), axisLabel: { rotate: rows.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: keys.map(function (k) { return { name: L[k] || k, type: "bar", data: pick(rows, k) }; })
    };
  }

  var builders = {
    funnel: function () {
      var rows = data.funnel || [];
      return {
        tooltip: { trigger: "item" },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "30%",
          label: { show: true, position: "inside", formatter: "{b}: {c}" },
          data: rows.map(function (r) { return { name: r.label, value: r.count }; })
        }]
      };
    },
    by_month: function () {
      var rows = data.by_month || [];
      var option = bars(rows, "month", ["needs", "results", "experts", "signed"]);
      option.yAxis = [{ type: "value", minInterval: 1 }, { type: "value", name: L.contract_value }];
      option.series.push({ name: L.contract_value, type: "line", yAxisIndex: 1, data: pick(rows, "contract_value") });
      return option;
    },
    by_field: function () { return bars(data.by_field || [], "name", ["needs", "results", "experts", "signed"]); },
    by_region: function () { return bars(data.by_region || [], "name", ["needs", "results", "experts", "signed"]); }
  };

  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return; }
    var chart = echarts.init(el, null, { locale: "ZH" });
    chart.setOption(build());
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
