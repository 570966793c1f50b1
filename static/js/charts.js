/* BankOps charts: every element with data-chart="line|bar" and data-source="<json_script id>"
   becomes an ECharts chart (vendored under static/vendor/echarts; no CDN). The data shape:
   {months|categories: [...], series: [{name, data: ["12.34", null, ...]}], unit: "...", stacked: bool};
   numbers come as strings (Decimal on the server) and are read here only to be drawn. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var locale = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";

  function numbers(values) {
    return values.map(function (value) { return value === null || value === "" ? null : Number(value); });
  }

  function option(kind, data) {
    var categories = data.months || data.categories || [];
    return {
      color: ["#0b69a3", "#b71c1c", "#2f855a", "#d69e2e", "#6b46c1", "#616e7c", "#dd6b20", "#319795", "#a0aec0"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 16, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: data.unit || "" },
      series: (data.series || []).map(function (series) {
        return {
          name: series.name, type: kind, data: numbers(series.data), connectNulls: false,
          stack: data.stacked ? "total" : undefined,
          showSymbol: categories.length < 40, barMaxWidth: 48,
        };
      }),
    };
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.source);
    if (!source) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas", locale: locale });
    chart.setOption(option(element.dataset.chart === "bar" ? "bar" : "line", JSON.parse(source.textContent)));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
