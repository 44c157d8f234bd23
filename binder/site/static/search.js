// Search over the index in search-index.js (a script, so it also works from file://).
// Results are built as DOM nodes with textContent: workbook text is never parsed as HTML.
(function () {
  "use strict";
  var index = window.BINDER_SEARCH || [];
  var input = document.getElementById("search");
  var box = document.getElementById("search-results");
  if (!input || !box) return;
  var heading = document.getElementById("results-heading");
  var list = document.getElementById("results-list");
  function fold(text) {
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  var prepared = index.map(function (e) {
    return { entry: e, haystack: fold([e.id, e.title, e.department, e.text].join(" ")) };
  });
  function run() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!words.length) { box.hidden = true; return; }
    var found = prepared.filter(function (p) {
      return words.every(function (w) { return p.haystack.indexOf(w) !== -1; });
    });
    found.forEach(function (p) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = p.entry.href;
      a.textContent = p.entry.id + " " + p.entry.title;
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = p.entry.department;
      li.appendChild(a);
      li.appendChild(where);
      list.appendChild(li);
    });
    var n = found.length;
    heading.textContent = n === 0 ? box.dataset.none : n === 1 ? box.dataset.one : box.dataset.results.replace("{count}", n);
    box.hidden = false;
  }
  input.addEventListener("input", run);
  if (input.value) run();
})();
