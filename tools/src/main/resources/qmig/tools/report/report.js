(function () {
  "use strict";
  var records = JSON.parse(document.getElementById("records-data").textContent);
  var details = document.getElementById("details");
  var tip = document.getElementById("tip");

  function hex(n) { return "0x" + n.toString(16); }
  function fmtBytes(n) {
    if (n >= 1073741824) { return (n / 1073741824).toFixed(2) + " GiB"; }
    if (n >= 1048576) { return (n / 1048576).toFixed(2) + " MiB"; }
    if (n >= 1024) { return (n / 1024).toFixed(1) + " KiB"; }
    return n + " B";
  }
  function el(tag, text) { var e = document.createElement(tag); e.textContent = text; return e; }

  // ---- selection: a record chosen in either strip or the table ---------------------------------
  function select(i, scroll) {
    var r = records[i];
    if (!r) { return; }
    document.querySelectorAll(".sel").forEach(function (e) { e.classList.remove("sel"); });
    document.querySelectorAll("tr.selected").forEach(function (e) { e.classList.remove("selected"); });
    document.querySelectorAll('[data-i="' + i + '"]').forEach(function (e) {
      if (e.tagName.toLowerCase() === "tr") { e.classList.add("selected"); } else { e.classList.add("sel"); }
    });
    var dl = document.createElement("dl");
    function pair(k, v) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); }
    pair("record", "#" + i + " " + r.kind.toUpperCase() + (r.count > 1 ? " x" + r.count : ""));
    pair("idstr", r.idstr + (r.instance >= 0 ? " / instance " + r.instance : ""));
    pair("section id", r.id >= 0 ? String(r.id) : "-");
    pair("version", r.version >= 0 ? String(r.version) : "-");
    pair("offset", hex(r.offset) + " (" + r.offset + ")");
    pair("size", r.size + " bytes (" + fmtBytes(r.size) + ")");
    pair("end", hex(r.offset + r.size));
    pair("decoded", r.decoded ? "yes" : "no");
    details.textContent = "";
    details.appendChild(dl);
    var p = el("div", r.detail);
    p.className = "mono";
    p.style.marginTop = "6px";
    details.appendChild(p);
    details.setAttribute("data-selected", String(i));
    if (scroll) {
      var row = document.querySelector('#sec-table tr[data-i="' + i + '"]');
      if (row && row.scrollIntoView) { row.scrollIntoView({block: "nearest"}); }
    }
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target.closest("[data-i]") : null;
    if (t) { select(Number(t.getAttribute("data-i")), t.tagName.toLowerCase() !== "tr"); }
  });

  // ---- tooltips from data-tip ------------------------------------------------------------------
  document.addEventListener("mousemove", function (ev) {
    var t = ev.target.closest ? ev.target.closest("[data-tip],[data-i]") : null;
    if (!t) { tip.hidden = true; return; }
    var text = t.getAttribute("data-tip");
    if (text === null) {
      var r = records[Number(t.getAttribute("data-i"))];
      if (!r) { tip.hidden = true; return; }
      text = r.kind.toUpperCase() + " " + r.idstr + (r.instance >= 0 ? "/" + r.instance : "")
        + (r.version >= 0 ? "  v" + r.version : "") + "\noffset " + hex(r.offset) + "  size " + r.size + " bytes";
    }
    tip.textContent = text;
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) { x = Math.max(8, ev.clientX - w - 14); }
    if (y + h > window.innerHeight - 8) { y = Math.max(8, ev.clientY - h - 14); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  });
  document.addEventListener("mouseleave", function () { tip.hidden = true; });

  // ---- sortable tables: numbers sort by data-v, text by its content -----------------------------
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var num = th.getAttribute("data-sort") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var c;
          if (num) {
            c = Number(x.getAttribute("data-v")) - Number(y.getAttribute("data-v"));
          } else {
            c = x.textContent.localeCompare(y.textContent);
          }
          if (c === 0) { c = Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order")); }
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  document.body.setAttribute("data-ready", "1");
})();
