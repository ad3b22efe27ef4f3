// Small page behaviours that would otherwise be inline event handlers (the site's
// Content-Security-Policy allows scripts from its own files only).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches("select[data-autosubmit]")) { field.form.submit(); }
    if (field.matches("select[data-action-empty]")) {
      field.form.action = field.value ? field.dataset.actionValue : field.dataset.actionEmpty;
    }
  });
})();
