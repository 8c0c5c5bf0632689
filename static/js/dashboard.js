/* Dashboard charts (ECharts, vendored). Data comes from the json_script element
   #dashboard-data written by the page; no inline handlers, no UI text here.
   Every chart has the same figures as a table below it; the numbers there link to lists. */
(function () {
  "use strict";

  // Leave empty filters out of the URL (the server also redirects such URLs).
  var form = document.getElementById("dashboard-filter-form");
  if (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input, select").forEach(function (el) {
        if (el.name && el.value === "") { el.disabled = true; }
      });
    });
  }

  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels || {};
  // Strong colours; labels are dark text on the white page, never on the bars.
  var COLOURS = ["#0b5394", "#2e7d32", "#b45309", "#6a1b9a", "#c62828", "#00695c", "#37474f"];
  var TEXT = "#212529";
  // Tooltips drawn on the canvas: ECharts' HTML tooltips write style="…" markup, which the
  // Content-Security-Policy (style-src 'self') refuses.
  var TOOLTIP_MODE = "richText";
  var narrow = function () { return window.innerWidth < 576; };

  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }

  function hbars(rows, keys) {
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: TOOLTIP_MODE },
      legend: { top: 0, textStyle: { color: TEXT } },
      grid: { left: 8, right: 24, bottom: 8, top: narrow() ? 56 : 36, containLabel: true },
      yAxis: {
        type: "category", inverse: true, data: pick(rows, "name"),
        axisLabel: { color: TEXT, width: narrow() ? 80 : 140, overflow: "truncate" }
      },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: TEXT } },
      series: keys.map(function (k) {
        return { id: k, name: L[k] || k, type: "bar", data: pick(rows, k),
                 label: { show: rows.length <= 8, position: "right", color: TEXT } };
      })
    };
  }

  var builders = {
    funnel: function () {
      var rows = data.funnel || [];
      return {
        color: COLOURS,
        tooltip: { trigger: "item", formatter: "{b}: {c}", renderMode: TOOLTIP_MODE },
        series: [{
          type: "funnel", sort: "none", left: 8, width: narrow() ? "50%" : "60%",
          top: 12, bottom: 24, minSize: "8%", gap: 2,
          label: { show: true, position: "right", color: TEXT, fontSize: 13, formatter: "{b}: {c}" },
          labelLine: { show: true, lineStyle: { color: "#6c757d" } },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          data: rows.map(function (r) { return { name: r.label, value: r.count }; })
        }]
      };
    },
    by_month: function () {
      var rows = data.by_month || [];
      var keys = ["needs", "approved", "intentions", "signed"].filter(function (k) {
        return rows.length && rows[0][k] !== undefined;
      });
      var series = keys.map(function (k) {
        return { id: k, name: L[k] || k, type: "line", smooth: false, symbolSize: 6, data: pick(rows, k) };
      });
      series.push({ id: "contract_value", name: L.contract_value, type: "bar", yAxisIndex: 1, barMaxWidth: 18,
                    itemStyle: { opacity: 0.5 }, data: pick(rows, "contract_value") });
      return {
        color: COLOURS,
        tooltip: { trigger: "axis", renderMode: TOOLTIP_MODE },
        legend: { top: 0, textStyle: { color: TEXT } },
        grid: { left: 8, right: 8, bottom: 8, top: narrow() ? 72 : 48, containLabel: true },
        xAxis: { type: "category", data: pick(rows, "month"), axisLabel: { color: TEXT, rotate: rows.length > 6 ? 45 : 0 } },
        yAxis: [{ type: "value", minInterval: 1, axisLabel: { color: TEXT } },
                { type: "value", axisLabel: { color: TEXT }, splitLine: { show: false } }],
        series: series
      };
    },
    by_field: function () {
      var rows = data.by_field || [];
      var keys = ["needs", "approved", "signed"].filter(function (k) { return rows.length && rows[0][k] !== undefined; });
      return hbars(rows, keys.length ? keys : ["needs", "signed"]);
    },
    by_region: function () {
      var rows = data.by_region || [];
      var keys = ["needs", "approved", "signed"].filter(function (k) { return rows.length && rows[0][k] !== undefined; });
      return hbars(rows, keys.length ? keys : ["needs", "signed"]);
    }
  };

  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var name = el.getAttribute("data-chart");
    var build = builders[name];
    if (!build) { return; }
    var rows = data[name] || [];
    if (!rows.length) {
      // nothing to draw: the table below says so ("暂无数据") instead of empty axes
      el.hidden = true;
      return;
    }
    if (name === "by_region" || name === "by_field") {
      // one row of bars per region or field: the chart grows with them
      el.style.height = Math.max(240, 80 + rows.length * 36) + "px";
    }
    var chart = echarts.init(el, null, { locale: "ZH", renderer: "canvas" });
    chart.setOption(build());
    chart.__build = build;
    // a click on a bar, point or funnel stage opens the list behind it (as the table's links)
    chart.on("click", function (params) {
      var row = rows[params.dataIndex];
      if (!row) { return; }
      var href = name === "funnel" ? row.link : (row.links || {})[params.seriesId];
      if (href) { window.location.href = href; }
    });
    charts.push(chart);
  });
  var timer = null;
  function resize() {
    charts.forEach(function (c) { c.setOption(c.__build(), true); c.resize(); });
  }
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(resize, 150);
  });
  // A chart inside the folded filters' page may have been drawn before fonts settled.
  if (typeof ResizeObserver !== "undefined") {
    var observer = new ResizeObserver(function () { charts.forEach(function (c) { c.resize(); }); });
    charts.forEach(function (c) { observer.observe(c.getDom()); });
  }
})();
