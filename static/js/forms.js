// A refused form: move the focus to the error summary (GOV.UK pattern), so screen readers read it
// and keyboard users start from its links. The page works without it (role="alert").
(function () {
  var summary = document.getElementById("form-error");
  if (summary) { summary.focus(); }
})();
