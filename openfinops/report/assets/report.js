// The offline report: draws the dashboards from the results embedded in this file (no network).
// One dashboard shows at a time (its name in the URL's #fragment); a filter picks among the results
// computed for each of its values, one filter at a time.
(function () {
  "use strict";
  const report = JSON.parse(document.getElementById("report-data").textContent);
  const ROW_HEIGHT = 52; // px, as .grid's grid-auto-rows
  const CHARTS = { line: "scatter", area: "scatter", bar: "bar", stacked_bar: "bar" };
  const MONEY = /cost|amount|billed|effective|forecast|spend/i;
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const plain = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  const chosen = {}; // dashboard -> the results key its filters select ("" = everything)

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function format(column, value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return (MONEY.test(column) ? money : plain).format(value);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function tableOf(card, dashboard) {
    const key = chosen[dashboard.name] || "";
    return report.tables[card.results[key] ?? card.results[""]];
  }

  function drawNumber(body, card, table) {
    const value = table.rows.length ? table.rows[0][0] : null;
    body.append(el("div", "number", value === null ? "–" : format(table.columns[0], value)));
  }

  function drawTable(body, columns, rows) {
    const grid = el("table");
    const head = grid.createTHead().insertRow();
    columns.forEach((c) => head.append(el("th", "", c)));
    const tbody = grid.createTBody();
    rows.forEach((row) => {
      const tr = tbody.insertRow();
      row.forEach((value, i) => tr.append(el("td", typeof value === "number" ? "num" : "", format(columns[i], value))));
    });
    body.append(grid);
  }

  // A pivot: the x values down, the series across, the first measure in the cells.
  function drawPivot(body, card, table) {
    const [ix, is, iy] = [card.x, card.series, card.y[0]].map((c) => table.columns.indexOf(c));
    const across = [...new Set(table.rows.map((r) => r[is]))];
    const down = [...new Set(table.rows.map((r) => r[ix]))];
    const cells = new Map(table.rows.map((r) => [JSON.stringify([r[ix], r[is]]), r[iy]]));
    const rows = down.map((x) => [x, ...across.map((s) => cells.get(JSON.stringify([x, s])) ?? null)]);
    drawTable(body, [card.x, ...across.map(String)], rows);
  }

  function traces(card, table) {
    const ix = table.columns.indexOf(card.x);
    const trace = (name, x, y) => {
      const t = { type: CHARTS[card.display], name: String(name), x, y };
      if (card.display === "line") t.mode = "lines+markers";
      if (card.display === "area") Object.assign(t, { mode: "lines", stackgroup: "area" });
      return t;
    };
    if (card.series) {
      const is = table.columns.indexOf(card.series);
      const iy = table.columns.indexOf(card.y[0]);
      const groups = new Map();
      table.rows.forEach((r) => {
        if (!groups.has(r[is])) groups.set(r[is], { x: [], y: [] });
        groups.get(r[is]).x.push(r[ix]);
        groups.get(r[is]).y.push(r[iy]);
      });
      return [...groups].map(([name, g]) => trace(name ?? "(none)", g.x, g.y));
    }
    return card.y.map((column) => {
      const iy = table.columns.indexOf(column);
      return trace(column, table.rows.map((r) => r[ix]), table.rows.map((r) => r[iy]));
    });
  }

  function drawChart(body, card, table) {
    const chart = el("div", "chart");
    body.append(chart);
    const data = traces(card, table);
    const layout = {
      barmode: card.display === "stacked_bar" ? "relative" : "group",
      margin: { l: 10, r: 10, t: 4, b: 10 }, autosize: true, showlegend: data.length > 1,
      legend: { orientation: "h", y: -0.2 }, font: { size: 11 },
      xaxis: { automargin: true }, yaxis: { automargin: true },
    };
    Plotly.newPlot(chart, data, layout, { displayModeBar: false, responsive: true });
  }

  function drawCard(node, card, dashboard) {
    const body = node.querySelector(".body");
    if (body.querySelector(".chart")) Plotly.purge(body.querySelector(".chart"));
    body.replaceChildren();
    const table = tableOf(card, dashboard);
    if (!table.rows.length && card.display !== "number") {
      body.append(el("p", "empty", "No rows."));
    } else if (card.display === "number") {
      drawNumber(body, card, table);
    } else if (card.display === "table") {
      drawTable(body, table.columns, table.rows);
    } else if (card.display === "pivot") {
      drawPivot(body, card, table);
    } else {
      drawChart(body, card, table);
    }
  }

  function drawDashboard(section, dashboard) {
    section.querySelectorAll(".card").forEach((node, i) => drawCard(node, dashboard.cards[i], dashboard));
    document.body.dataset.drawn = dashboard.name + ":" + (chosen[dashboard.name] || "");
  }

  function filterBar(section, dashboard) {
    if (!dashboard.filters.length) return;
    const bar = el("div", "filters");
    const selects = dashboard.filters.map((f) => {
      const label = el("label", "", f.title);
      const select = el("select");
      select.name = f.name;
      select.append(new Option("All", ""));
      f.choices.forEach((choice) => select.append(new Option(choice, f.name + "=" + choice)));
      label.append(select);
      bar.append(label);
      return select;
    });
    selects.forEach((select) => select.addEventListener("change", () => {
      selects.forEach((other) => { if (other !== select) other.value = ""; });
      chosen[dashboard.name] = select.value;
      drawDashboard(section, dashboard);
    }));
    section.append(bar, el("p", "filters-note",
      "One filter at a time, among the " + report.top + " largest values by cost (Metabase combines any values)."));
  }

  function build(dashboard) {
    const section = el("section");
    section.id = dashboard.name;
    section.hidden = true;
    section.append(el("h2", "", dashboard.title), el("p", "", dashboard.description));
    filterBar(section, dashboard);
    const grid = el("div", "grid");
    dashboard.cards.forEach((card) => {
      const node = el("div", "card");
      node.dataset.card = card.id;
      node.style.gridColumn = card.col + 1 + " / span " + card.width;
      node.style.gridRow = card.row + 1 + " / span " + card.height;
      node.style.setProperty("--phone-height", Math.max(card.height * ROW_HEIGHT, 110) + "px");
      node.title = card.description;
      node.append(el("h3", "", card.title), el("div", "body"));
      grid.append(node);
    });
    section.append(grid);
    return section;
  }

  const main = document.querySelector("main");
  const nav = document.querySelector("nav");
  const sections = new Map();
  report.dashboards.forEach((dashboard) => {
    const section = build(dashboard);
    sections.set(dashboard.name, { section, dashboard, drawn: false });
    main.append(section);
    const link = el("a", "", dashboard.title);
    link.href = "#" + dashboard.name;
    nav.append(link);
  });

  // Charts are drawn when their dashboard is first shown: Plotly sizes a chart by its visible box.
  function show() {
    const name = sections.has(location.hash.slice(1)) ? location.hash.slice(1) : report.dashboards[0].name;
    sections.forEach((entry, key) => { entry.section.hidden = key !== name; });
    nav.querySelectorAll("a").forEach((a) => a.classList.toggle("active", a.hash === "#" + name));
    const entry = sections.get(name);
    if (!entry.drawn) {
      entry.drawn = true;
      drawDashboard(entry.section, entry.dashboard);
    }
    document.body.dataset.drawn = name + ":" + (chosen[name] || "");
  }
  window.addEventListener("hashchange", show);
  show();
})();
