// Dashboards: draws each section's chart from its JSON endpoint (the same one the CSV link
// exports), and re-fetches the "now" sections when live events arrive (debounced).
(function () {
  "use strict";
  var lang = (document.documentElement.lang || "en").toLowerCase();
  var numberFormat = new Intl.NumberFormat(lang.indexOf("hi") === 0 ? "en-IN" : "en-US", { maximumFractionDigits: 1 });
  var SVG = "http://www.w3.org/2000/svg";

  function fmt(value) { return value === null || value === undefined || value === "" ? "—" : numberFormat.format(value); }

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function labelOf(data, key) {
    var col = (data.columns || []).filter(function (c) { return c.key === key; })[0];
    return col ? col.label : key;
  }

  // Horizontal bars, one row per table row. mode "stacked" or "grouped"; "bars" = one series.
  function draw(section, data) {
    var box = section.querySelector(".chart");
    if (!box || !section.dataset.chart) return;
    var xKey = section.dataset.x;
    var series = (section.dataset.series || "").split(",").filter(Boolean);
    var stacked = section.dataset.chart === "stacked";
    var rows = data.rows || [];
    var totals = rows.map(function (r) {
      var vals = series.map(function (s) { return Number(r[s]) || 0; });
      return stacked ? vals.reduce(function (a, b) { return a + b; }, 0) : Math.max.apply(null, vals.concat([0]));
    });
    var max = Math.max.apply(null, totals.concat([1]));
    var barH = stacked || series.length === 1 ? 16 : 8 * series.length;
    var width = Math.max(300, Math.min(1000, box.clientWidth || 640));
    var labelW = Math.min(170, Math.round(width * 0.34)), rowH = barH + 6, plotW = width - labelW - 50;
    var svg = el("svg", { viewBox: "0 0 " + width + " " + (rows.length * rowH + 4), role: "img" });
    rows.forEach(function (r, i) {
      var y = i * rowH + 2;
      svg.appendChild(el("text", { x: labelW - 6, y: y + barH / 2 + 4, "text-anchor": "end" }, String(r[xKey] === null ? "" : r[xKey]).slice(0, 24)));
      var x = labelW;
      series.forEach(function (s, j) {
        var v = Number(r[s]) || 0, w = plotW * v / max;
        var rect = stacked
          ? el("rect", { x: x, y: y, width: w, height: barH, class: "s" + j })
          : el("rect", { x: labelW, y: y + j * (barH / series.length), width: w, height: barH / series.length - 1, class: "s" + j });
        rect.appendChild(el("title", {}, labelOf(data, s) + ": " + fmt(r[s])));
        svg.appendChild(rect);
        if (stacked) x += w;
      });
      svg.appendChild(el("text", { x: labelW + plotW * totals[i] / max + 4, y: y + barH / 2 + 4 }, fmt(totals[i])));
    });
    var legend = document.createElement("div");
    legend.className = "legend";
    series.forEach(function (s, j) {
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.className = "s" + j;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(labelOf(data, s)));
      legend.appendChild(item);
    });
    box.replaceChildren(svg, legend);
  }

  function cell(value, kind) {
    if (value === null || value === undefined || value === "") return kind === "text" ? "" : "—";
    if (kind === "int" || kind === "float") return fmt(value);
    if (kind === "percent") return fmt(value) + "%";
    if (kind === "datetime") return String(value).replace("T", " ").slice(0, 16);
    if (kind === "minutes") return fmt(value) + " min";
    return String(value);
  }

  function fillTable(section, data) {
    var body = section.querySelector("table.report-table tbody");
    if (!body || !data.columns || !data.columns.length) return;
    var fresh = document.createDocumentFragment();
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      data.columns.forEach(function (c) {
        var td = document.createElement("td");
        td.className = c.kind;
        td.textContent = cell(r[c.key], c.kind);
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    if (data.rows.length) body.replaceChildren(fresh);
    section.querySelectorAll("[data-meta]").forEach(function (badge) {
      badge.textContent = fmt(data[badge.dataset.meta]);
    });
  }

  function load(section, refresh) {
    section.classList.add("refreshing");
    return fetch(section.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        draw(section, data);
        if (refresh) fillTable(section, data);
      })
      .catch(function () { /* the server-rendered table stays */ })
      .finally(function () { section.classList.remove("refreshing"); });
  }

  var timer = null;
  function refreshLive() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      document.querySelectorAll("section[data-src][data-live]").forEach(function (s) { load(s, true); });
    }, 2000);
  }

  document.querySelectorAll("section[data-src]").forEach(function (s) { load(s, false); });
  document.addEventListener("helpdesk:event", refreshLive);
  document.addEventListener("helpdesk:resync", refreshLive);
})();
