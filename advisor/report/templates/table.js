/* Interactive tables: filter, sort, paginate rows held in a JSON blob. Text only (textContent).
   A large blob is gzip + base64 (its script element says so in data-encoding), unpacked with
   the browser's DecompressionStream, locally, without any request.
   Printing (or saving as PDF) shows every row of each table's current view, not one page:
   "beforeprint"/"afterprint" and the print media query switch every table to all rows. */
(function () {
  "use strict";
  var printers = [];
  function printing(on) { printers.forEach(function (p) { p(on); }); }
  window.addEventListener("beforeprint", function () { printing(true); });
  window.addEventListener("afterprint", function () { printing(false); });
  if (window.matchMedia) {
    var media = window.matchMedia("print");
    var onChange = function (e) { printing(e.matches); };
    if (media.addEventListener) { media.addEventListener("change", onChange); }
    else if (media.addListener) { media.addListener(onChange); }
  }
  function shown(cell) { return Array.isArray(cell) ? cell[0] : cell; }
  function sortKey(cell) { return Array.isArray(cell) ? cell[1] : String(cell).toLowerCase(); }
  function compare(a, b) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    return a < b ? -1 : 1;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function unpack(text) {
    var bin = atob(text.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  function fail(root, message) {
    var td = root.querySelector("tbody td");
    if (td) { td.textContent = message; }
    root.setAttribute("data-ready", "failed");
  }
  function start(root) {
    var node = document.getElementById(root.getAttribute("data-source"));
    if (node.getAttribute("data-encoding") !== "gzip-base64") {
      setup(root, JSON.parse(node.textContent));
      return;
    }
    if (typeof DecompressionStream === "undefined") {
      fail(root, "This browser cannot unpack the table (no DecompressionStream): open the " +
        "report in a current browser; the plan's CSV export has every row.");
      return;
    }
    root.querySelector("tbody td").textContent = "Loading rows\u2026";
    unpack(node.textContent).then(function (data) { setup(root, data); }, function (err) {
      fail(root, "The table could not be unpacked: " + err);
    });
  }
  function setup(root, data) {
    var cols = data.columns, rows = data.rows, details = data.details || null;
    var hay = rows.map(function (r) { return r.map(shown).join("\u0001").toLowerCase(); });
    var state = { page: 0, size: data.pageSize || 50, sort: -1, dir: 1, view: [], open: {},
      printing: !!(window.matchMedia && window.matchMedia("print").matches) };
    var tbody = root.querySelector("tbody");
    var input = root.querySelector("input.filter");
    var info = root.querySelector(".info");
    var heads = root.querySelectorAll("thead th");
    var buttons = {};
    root.querySelectorAll("button[data-page]").forEach(function (b) {
      buttons[b.getAttribute("data-page")] = b;
      b.addEventListener("click", function () { go(b.getAttribute("data-page")); });
    });
    var sizeSelect = root.querySelector("select.page-size");
    function go(where) {
      var last = Math.max(0, Math.ceil(state.view.length / state.size) - 1);
      var to = { first: 0, prev: state.page - 1, next: state.page + 1, last: last }[where];
      state.page = Math.min(Math.max(to, 0), last);
      render();
    }
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var view = [];
      for (var i = 0; i < rows.length; i++) {
        var h = hay[i], ok = true;
        for (var t = 0; t < terms.length && ok; t++) { ok = h.indexOf(terms[t]) >= 0; }
        if (ok) { view.push(i); }
      }
      if (state.sort >= 0) {
        var c = state.sort, d = state.dir;
        view.sort(function (x, y) {
          return d * compare(sortKey(rows[x][c]), sortKey(rows[y][c])) || x - y;
        });
      }
      state.view = view;
      state.page = 0;
      render();
    }
    function detailRow(i) {
      var tr = el("tr", "detail"), td = el("td"), ul = el("ul");
      td.colSpan = cols.length;
      details[i].forEach(function (line) { ul.appendChild(el("li", "", line)); });
      td.appendChild(ul);
      tr.appendChild(td);
      return tr;
    }
    function render() {
      var start = state.printing ? 0 : state.page * state.size;
      var end = state.printing ? state.view.length : Math.min(start + state.size, state.view.length);
      var frag = document.createDocumentFragment();
      for (var k = start; k < end; k++) {
        var i = state.view[k], tr = el("tr", "row");
        rows[i].forEach(function (cell, c) {
          tr.appendChild(el("td", (cols[c].numeric ? "num " : "") + (cols[c].css || ""),
            shown(cell)));
        });
        if (details && details[i] && details[i].length) {
          tr.classList.add("has-detail");
          tr.tabIndex = 0;
          tr.setAttribute("data-row", String(i));
        }
        frag.appendChild(tr);
        if (state.open[i]) { frag.appendChild(detailRow(i)); }
      }
      tbody.replaceChildren(frag);
      if (state.view.length === 0) {
        var empty = el("tr"), td = el("td", "empty", "No row matches the filter.");
        td.colSpan = cols.length;
        empty.appendChild(td);
        tbody.appendChild(empty);
      }
      var total = state.view.length, all = rows.length;
      info.textContent = (total ? (start + 1) + "\u2013" + end : "0") + " of " +
        total.toLocaleString("en-US") + (total < all ? " (filtered from " +
        all.toLocaleString("en-US") + ")" : "");
      buttons.first.disabled = buttons.prev.disabled = state.page === 0;
      buttons.next.disabled = buttons.last.disabled = end >= total;
    }
    function toggle(tr) {
      var i = Number(tr.getAttribute("data-row"));
      state.open[i] = !state.open[i];
      render();
    }
    tbody.addEventListener("click", function (e) {
      var tr = e.target.closest("tr.has-detail");
      if (tr) { toggle(tr); }
    });
    tbody.addEventListener("keydown", function (e) {
      var tr = e.target.closest("tr.has-detail");
      if (tr && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(tr); }
    });
    heads.forEach(function (th, c) {
      th.addEventListener("click", function () {
        state.dir = state.sort === c ? -state.dir : (cols[c].numeric ? -1 : 1);
        state.sort = c;
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        apply();
      });
    });
    input.addEventListener("input", apply);
    sizeSelect.addEventListener("change", function () {
      state.size = Number(sizeSelect.value);
      state.page = 0;
      render();
    });
    printers.push(function (on) {
      if (state.printing !== on) { state.printing = on; render(); }
    });
    apply();
    root.setAttribute("data-ready", "true");
  }
  document.querySelectorAll(".datatable[data-source]").forEach(start);
})();
