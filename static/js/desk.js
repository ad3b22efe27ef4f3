// The agent's workspace on every staff page: the notification bell (count, live), browser
// notifications when allowed, the call pop on the console, the call-back list.
// live.js fires "helpdesk:event" per websocket message; events are hints, so this script
// re-fetches the truth (the latest notification, the pop fragment) instead of trusting them.
(function () {
  "use strict";
  var bell = document.getElementById("bell");

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }
  function getHTML(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; });
  }

  var shown = {};
  function refreshBell(announce) {
    if (!bell) return;
    getJSON(bell.dataset.latest).then(function (data) {
      if (!data) return;
      var count = document.getElementById("bell-count");
      count.textContent = data.unread;
      bell.classList.toggle("has-unread", data.unread > 0);
      if (announce && data.latest && !shown[data.latest.id] && "Notification" in window &&
          Notification.permission === "granted") {
        shown[data.latest.id] = true;
        var n = new Notification(bell.dataset.title || "", { body: data.latest.text, tag: "hd-" + data.latest.id });
        n.onclick = function () { window.focus(); window.location.href = data.latest.url; };
      }
    }).catch(function () {});
  }

  var ask = document.getElementById("notify-permission");
  if (ask && "Notification" in window && Notification.permission === "default") {
    ask.hidden = false;
    ask.addEventListener("click", function () {
      Notification.requestPermission().then(function () { ask.hidden = true; });
    });
  }

  function popCall(id) {
    var box = document.getElementById("call-pop");
    if (!box) return;
    getHTML("/desk/calls/" + encodeURIComponent(id) + "/pop/").then(function (html) {
      if (html !== null) { box.innerHTML = html; box.hidden = false; box.scrollIntoView({ block: "start" }); }
    }).catch(function () {});
  }

  function refreshCallbacks() {
    var box = document.getElementById("callbacks");
    if (!box || !box.dataset.src) return;
    getHTML(box.dataset.src).then(function (html) { if (html !== null) box.innerHTML = html; }).catch(function () {});
  }

  document.addEventListener("helpdesk:event", function (ev) {
    var d = (ev && ev.detail) || {};
    if (d.type === "notification") refreshBell(d.kind !== "read");
    else if (d.type === "call.answered") popCall(d.call_id);
    else if (d.type === "call.ended" || d.type === "call.cleared") refreshCallbacks();
  });
  document.addEventListener("helpdesk:resync", function () { refreshBell(false); refreshCallbacks(); });
  refreshCallbacks();
  var pop = document.getElementById("call-pop");
  if (pop && pop.dataset.call) popCall(pop.dataset.call);
})();
