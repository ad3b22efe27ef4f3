/* Live updates over the browser's native WebSocket. No framework, no build.
 *
 * - Finds the element with [data-ws] (e.g. data-ws="/ws/console/") and connects to it, on
 *   WS_PUBLIC_URL when the server sets one (data-ws-base on #live-paused), else the page's host.
 * - Reconnects with exponential backoff (1 s .. 30 s, with jitter); shows #live-paused while
 *   disconnected.
 * - Every message becomes a document CustomEvent "helpdesk:event" (detail = the event JSON);
 *   after a reconnect, "helpdesk:resync" tells pages to re-fetch their snapshot (events are hints,
 *   the database is the truth).
 * - [data-refresh="<url>"] elements re-fetch their HTML from <url> when an event whose type starts
 *   with one of data-refresh-on (comma-separated prefixes) arrives, after a resync, and every
 *   data-refresh-every seconds.
 * - Ticket pages: renders who else is viewing / typing into #presence; sends {"type":"typing"}
 *   (throttled) on input in [data-typing].
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-ws]");
  if (!root || !("WebSocket" in window)) return;
  var banner = document.getElementById("live-paused");
  var base = (banner && banner.getAttribute("data-ws-base")) || "";
  if (!base) base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  var url = base.replace(/\/$/, "") + root.getAttribute("data-ws");

  var socket = null;
  var attempt = 0;
  var everConnected = false;
  var heartbeat = null;

  function paused(on) {
    if (!banner) return;
    banner.hidden = !on;
    banner.classList.toggle("paused", on);
  }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function connect() {
    try {
      socket = new WebSocket(url);
    } catch (err) {
      schedule();
      return;
    }
    socket.onopen = function () {
      paused(false);
      if (everConnected || attempt > 0) emit("helpdesk:resync", {});
      everConnected = true;
      attempt = 0;
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "ping" }); }, 25000);
    };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (err) { return; }
      if (!event || event.type === "pong") return;
      if (event.type === "presence") renderPresence(event);
      else if (event.type === "typing") renderTyping(event);
      emit("helpdesk:event", event);
    };
    socket.onclose = function () {
      clearInterval(heartbeat);
      paused(true);
      schedule();
    };
  }

  function schedule() {
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
    attempt += 1;
    setTimeout(connect, delay);
  }

  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(obj));
  }

  // --- presence and typing (ticket pages) -------------------------------------------------------
  var presenceBox = document.getElementById("presence");
  var viewers = [];
  var typing = {};
  var selfId = null;

  function label(key, fallback) {
    return (presenceBox && presenceBox.getAttribute("data-label-" + key)) ||
      (banner && banner.getAttribute("data-label-" + key)) || fallback;
  }

  function renderPresence(event) {
    if (event.self_id) selfId = event.self_id;
    viewers = (event.viewers || []).filter(function (v) { return v.user_id !== selfId; });
    drawPresence();
  }

  function renderTyping(event) {
    if (event.user_id === selfId) return;
    typing[event.user_id] = { name: event.name, until: Date.now() + 5000 };
    drawPresence();
    setTimeout(drawPresence, 5100);
  }

  function drawPresence() {
    if (!presenceBox) return;
    var now = Date.now();
    presenceBox.textContent = "";
    if (!viewers.length) return;
    var line = document.createElement("span");
    line.textContent = label("viewing", "Also viewing:") + " ";
    presenceBox.appendChild(line);
    viewers.forEach(function (v, i) {
      var who = document.createElement("strong");
      who.textContent = v.name + (i < viewers.length - 1 ? ", " : "");
      presenceBox.appendChild(who);
      var t = typing[v.user_id];
      if (t && t.until > now) {
        var note = document.createElement("em");
        note.textContent = " (" + label("typing", "typing…") + ")";
        presenceBox.appendChild(note);
      }
    });
  }

  var lastTyping = 0;
  document.addEventListener("input", function (e) {
    if (!e.target.closest || !e.target.closest("[data-typing]")) return;
    var now = Date.now();
    if (now - lastTyping < 3000) return;
    lastTyping = now;
    send({ type: "typing" });
  });

  // --- fragments that refresh themselves --------------------------------------------------------
  function refresher(el) {
    var timer = null;
    var prefixes = (el.getAttribute("data-refresh-on") || "").split(",").filter(Boolean);
    function load() {
      timer = null;
      fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) el.innerHTML = html; })
        .catch(function () {});
    }
    function soon() {
      // Jitter spreads a thousand open pages over a second or two instead of one instant.
      if (!timer) timer = setTimeout(load, 200 + Math.random() * 1500);
    }
    document.addEventListener("helpdesk:event", function (e) {
      var type = (e.detail && e.detail.type) || "";
      if (!prefixes.length || prefixes.some(function (p) { return type.indexOf(p) === 0; })) soon();
    });
    document.addEventListener("helpdesk:resync", soon);
    var every = parseInt(el.getAttribute("data-refresh-every") || "0", 10);
    if (every > 0) setInterval(soon, every * 1000);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), refresher);

  connect();
})();
