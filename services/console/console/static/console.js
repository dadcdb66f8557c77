// Draws the charts of a page from the JSON beside each container; the same figures are in the tables.
(function () {
  var palette = ["#c0392b", "#2e86c1", "#d68910", "#28b463", "#7d3c98", "#566573", "#17a589", "#ba4a00"];
  function options(kind, data) {
    if (kind === "pie") {
      return { color: palette, tooltip: { trigger: "item" }, legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data, label: { formatter: "{b} {d}%" } }] };
    }
    if (kind === "line") {
      return { color: palette, tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "category", data: data.names }, yAxis: { type: "value" },
        series: [{ type: "line", data: data.values, name: data.label }] };
    }
    return { color: palette, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 60 },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 6 ? 40 : 0 } },
      yAxis: { type: "value" },
      series: [{ name: "监测案件", type: "bar", data: data.cases }, { name: "监测对象", type: "bar", data: data.monitored },
               { name: "超期环节", type: "bar", data: data.overdue }] };
  }
  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = JSON.parse(el.querySelector("script").textContent);
      var chart = echarts.init(el, null, { renderer: "svg" });
      var option = options(el.dataset.chart, data);
      option.animation = false;  // drawn at once: what is printed or captured is the finished chart
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
