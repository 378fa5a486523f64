(function () {
  "use strict";
  var table = document.getElementById("roles-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var shown = document.getElementById("shown");
  var heads = table.tHead.rows[0].cells;
  var sorted = { column: -1, ascending: true };
  rows.forEach(function (row) { row.searchText = row.textContent.toLowerCase(); });

  function apply() {
    var query = text.value.trim().toLowerCase();
    var wanted = status.value;
    var count = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute("data-status") === wanted) &&
        (!query || row.searchText.indexOf(query) !== -1);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " roles shown";
  }

  function key(row, column) {
    var cell = row.cells[column];
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.toLowerCase() : value;
  }

  function sortBy(column) {
    var ascending = sorted.column === column ? !sorted.ascending : true;
    sorted = { column: column, ascending: ascending };
    rows.sort(function (a, b) {
      var x = key(a, column);
      var y = key(b, column);
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(heads, function (head, index) {
      if (index === column) {
        head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      } else {
        head.removeAttribute("aria-sort");
      }
    });
  }

  Array.prototype.forEach.call(heads, function (head, index) {
    head.tabIndex = 0;
    head.addEventListener("click", function () { sortBy(index); });
    head.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(index); }
    });
  });
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);

  // A link may preset the filter: report.html#status=fail&q=vendor
  var preset = new URLSearchParams(window.location.hash.slice(1));
  if (preset.get("status") !== null) { status.value = preset.get("status"); }
  if (preset.get("q") !== null) { text.value = preset.get("q"); }
  apply();
})();
