// Live refresh of the console queue and the ticket thread. live.js (the websocket client)
// dispatches "helpdesk:event" for each event and "helpdesk:resync" after a reconnect; events are
// hints, so this script re-fetches the server-rendered fragment instead of patching the page.
(function () {
  "use strict";
  var pending = {};

  function refresh(id, after) {
    var box = document.getElementById(id);
    if (!box || !box.dataset.src || pending[id]) return;
    pending[id] = true;
    fetch(box.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) { box.innerHTML = html; if (after) after(box); }
      })
      .catch(function () {})
      .then(function () { pending[id] = false; });
  }

  // The agent now sees the latest version: forms carry it, so their next post is accepted.
  function syncForms(box) {
    var inner = box.querySelector("#thread-inner");
    if (!inner) return;
    document.querySelectorAll("form.ticket-form").forEach(function (form) {
      var v = form.querySelector("input[name=expected_version]");
      var e = form.querySelector("input[name=seen_event]");
      if (v) v.value = inner.dataset.version;
      if (e) e.value = inner.dataset.lastEvent;
    });
  }

  var IGNORED = { presence: true, typing: true, pong: true, hello: true };
  var timers = {};

  // Coalesce bursts and spread many open consoles over a moment instead of one instant.
  function soon(id, after) {
    if (timers[id]) return;
    timers[id] = setTimeout(function () { timers[id] = null; refresh(id, after); }, 100 + Math.random() * 500);
  }

  function onEvent(ev) {
    var detail = (ev && ev.detail) || {};
    if (detail.type && IGNORED[detail.type]) return;
    if (document.getElementById("queue")) soon("queue");
    var thread = document.getElementById("thread");
    if (thread) {
      var live = document.getElementById("live");
      var wanted = live && live.dataset.ws;
      if (!detail.ticket_id || !wanted || wanted.indexOf("/" + detail.ticket_id + "/") !== -1) {
        soon("thread", syncForms);
      }
    }
  }

  document.addEventListener("helpdesk:event", onEvent);
  document.addEventListener("helpdesk:resync", function () { onEvent({ detail: {} }); });
})();
