// Ticket page tools: the canned-response picker (inserts the chosen response in the chosen
// language, with {eta} filled from the ETA box) and the vendor choice shown only when the status
// moves to "awaiting vendor".
(function () {
  "use strict";
  var picker = document.getElementById("canned-picker");
  var body = document.getElementById("reply-body");
  var language = document.getElementById("canned-language");
  var eta = document.getElementById("canned-eta");

  function insert() {
    var option = picker && picker.selectedOptions[0];
    if (!option || !option.value || !body) return;
    var text = option.dataset[language && language.value === "hi" ? "hi" : "en"] || "";
    if (eta && eta.value.trim()) text = text.split("{eta}").join(eta.value.trim());
    body.value = text;
    var publicReply = document.querySelector("input[name=public][value=on]");
    if (publicReply) publicReply.checked = true;  // a canned response is written for the citizen
    body.focus();
  }
  if (picker) {
    picker.addEventListener("change", insert);
    if (language) language.addEventListener("change", insert);
    if (eta) eta.addEventListener("change", insert);
  }

  var to = document.getElementById("status-to");
  var vendor = document.getElementById("vendor-choice");
  var note = document.getElementById("status-note");
  function toggleVendor() {
    if (vendor && to) vendor.style.display = to.value === "awaiting_vendor" ? "" : "none";
    if (note && to) note.querySelector("textarea").required = to.value === "resolved";
  }
  if (to) { to.addEventListener("change", toggleVendor); toggleVendor(); }
})();
