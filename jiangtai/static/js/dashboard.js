/* Jiangtai dashboard: draws each chart of the page with ECharts (vendor/echarts.min.js, loaded
   only on this page) from the JSON block inside its panel (reports/_chart.html, written by
   json_script; reports/charts.py says its shape), and lets the reader switch between the chart
   and its table. Without JavaScript the tables show and nothing else is needed.
   Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry
   inline style attributes, which the Content-Security-Policy refuses. */
(function () {
  "use strict";

  var PALETTE = ["#c8161d", "#e08a00", "#2f6fd1", "#1a8f4c", "#8e44ad", "#7f8c8d", "#d35400"];
  var ROW_HEIGHT = 30;
  var drawn = [];

  function column(spec, name) {
    var index = spec.columns.indexOf(name);
    return spec.rows.map(function (row) { return row[index]; });
  }

  function percent(value) {
    return Math.round(value * 100) + "%";
  }

  function option(spec) {
    var labels = spec.rows.map(function (row) { return String(row[0]); });
    var base = {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", renderMode: "richText", confine: true },
      grid: { containLabel: true, left: 8, right: spec.kind === "hbar" ? 48 : 24, top: spec.series.length > 1 ? 36 : 12, bottom: 8 }
    };
    if (spec.series.length > 1) base.legend = { top: 0, type: "scroll" };
    if (spec.kind === "pie") {
      base.legend = { bottom: 0, type: "scroll" };
      base.series = [{
        type: "pie",
        radius: ["30%", "58%"],
        center: ["50%", "45%"],
        data: labels.map(function (label, i) { return { name: label, value: column(spec, spec.series[0])[i] }; }),
        label: { formatter: "{b} {c}" }
      }];
      return base;
    }
    var values = { type: "value", minInterval: 1 };
    // Long labels wrap under a bar (a phone has room for about four), and thin out on a trend.
    var categories = { type: "category", data: labels, axisLabel: spec.kind === "bar" ? { interval: 0, width: 64, overflow: "break" } : { hideOverlap: true } };
    if (spec.percent) {
      values = { type: "value", max: 1, axisLabel: { formatter: percent } };
      base.tooltip.valueFormatter = percent;
    }
    if (spec.kind === "hbar") {
      categories.inverse = true;
      base.xAxis = values;
      base.yAxis = categories;
    } else {
      base.xAxis = categories;
      base.yAxis = values;
    }
    base.series = spec.series.map(function (name) {
      return {
        name: name,
        type: spec.kind === "line" ? "line" : "bar",
        data: column(spec, name),
        barMaxWidth: 28,
        label: spec.kind === "hbar" ? { show: true, position: "right", formatter: spec.percent ? function (p) { return percent(p.value); } : "{c}" } : { show: false }
      };
    });
    return base;
  }

  function setUp(panel) {
    var data = panel.querySelector("script[type='application/json']");
    var canvas = panel.querySelector(".chart-canvas");
    var table = panel.querySelector(".chart-table");
    var toggle = panel.querySelector(".chart-toggle");
    if (!data || !canvas || !table || !toggle) return;
    var spec = JSON.parse(data.textContent);
    if (spec.kind === "hbar") canvas.style.height = Math.max(160, 40 + ROW_HEIGHT * spec.rows.length) + "px";
    canvas.hidden = false;
    table.hidden = true;
    var chart = window.echarts.init(canvas, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    drawn.push(chart);
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var showTable = table.hidden;
      table.hidden = !showTable;
      canvas.hidden = showTable;
      toggle.textContent = showTable ? toggle.dataset.labelChart : toggle.dataset.labelTable;
      toggle.setAttribute("aria-pressed", String(showTable));
      if (!showTable) chart.resize();
    });
  }

  function start() {
    if (!window.echarts) return;
    Array.prototype.forEach.call(document.querySelectorAll("section.chart"), setUp);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { drawn.forEach(function (chart) { chart.resize(); }); }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
