// The ticket list: re-fetch the rows on live events (events are hints; the server renders the
// truth), keep the ticked boxes across refreshes, "choose all", and show only the bulk fields of
// the chosen action.
(function () {
  "use strict";
  var rows = document.getElementById("list-rows");
  if (!rows) return;
  var timer = null, busy = false;

  function picked() {
    return Array.prototype.map.call(rows.querySelectorAll("input[name=tickets]:checked"), function (b) { return b.value; });
  }

  function count() {
    var box = document.getElementById("bulk-count");
    if (box) box.textContent = picked().length ? picked().length + " " + box.getAttribute("data-label") : "";
  }

  function refresh() {
    if (busy) return;
    busy = true;
    var keep = picked();
    fetch(rows.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        rows.innerHTML = html;
        // The count and the pager of the refreshed rows travel with them, in a hidden row.
        var meta = rows.querySelector("tr[data-list-meta]");
        if (meta) {
          var total = document.getElementById("list-count"), pager = document.getElementById("list-pager");
          if (total) total.innerHTML = meta.querySelector("[data-count]").innerHTML;
          if (pager) pager.innerHTML = meta.querySelector("[data-pager]").innerHTML;
          meta.parentNode.removeChild(meta);
        }
        keep.forEach(function (n) {
          var box = rows.querySelector('input[name=tickets][value="' + n + '"]');
          if (box) box.checked = true;
        });
        count();
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  function soon() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, 150 + Math.random() * 350);
  }

  document.addEventListener("helpdesk:event", function (ev) {
    var type = (ev.detail && ev.detail.type) || "";
    if (type.indexOf("ticket.") === 0) soon();
  });
  document.addEventListener("helpdesk:resync", soon);

  var all = document.getElementById("pick-all");
  if (all) all.addEventListener("change", function () {
    rows.querySelectorAll("input[name=tickets]").forEach(function (b) { b.checked = all.checked; });
    count();
  });
  rows.addEventListener("change", count);

  // On a phone the filters fold away unless one is in use; the search box stays.
  var more = document.getElementById("more-filters");
  if (more && !more.hasAttribute("data-active") && window.matchMedia("(max-width: 700px)").matches) more.open = false;

  var action = document.getElementById("bulk-action");
  function fields() {
    document.querySelectorAll("#bulk [data-for]").forEach(function (label) {
      label.hidden = label.getAttribute("data-for") !== action.value;
    });
  }
  if (action) { action.addEventListener("change", fields); fields(); }
})();
