/* Live updates over the browser's native WebSocket. No framework, no build.
 *
 * - Finds the element with [data-ws] (e.g. data-ws="/ws/console/") and connects to it, on
 *   WS_PUBLIC_URL when the server sets one (data-ws-base on #live-paused), else the page's host.
 * - Reconnects with exponential backoff (1 s .. 30 s, with jitter); shows #live-paused while
 *   disconnected.
 * - Every message becomes a document CustomEvent "helpdesk:event" (detail = the event JSON);
 *   after a reconnect, "helpdesk:resync" tells pages to re-fetch their snapshot (events are hints,
 *   the database is the truth).
 * - Missed events are noticed: each event carries its group and a per-group sequence number
 *   ("group", "seq"); the server says where each group stands when the socket opens ("hello")
 *   and in every pong. A hole that is not filled within GAP_GRACE_MS (two servers may deliver
 *   6 before 5), or a pong ahead of the last event seen, is a gap: "helpdesk:resync" (detail
 *   {reason: "gap", groups}) and, on staff sockets, the ticket events since the last one seen are
 *   fetched from GET /api/live/events/?since=<event id> and replayed as "helpdesk:event" (with
 *   resynced: true).
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

  // --- sequence numbers and resync -------------------------------------------------------------
  var GAP_GRACE_MS = 1500;
  var PING_MS = parseInt(root.getAttribute("data-ping-ms") || "25000", 10);
  var resyncApi = root.getAttribute("data-resync") ||
    (root.getAttribute("data-ws").indexOf("/ws/status/") === 0 ? "" : "/api/live/events/");
  var ticketMatch = /^\/ws\/tickets\/(\d+)\//.exec(root.getAttribute("data-ws"));
  var seq = {};      // group -> last number received with nothing missing before it
  var ahead = {};    // group -> {number: true} received beyond a hole
  var target = {};   // group -> number the server says exists (pong)
  var lastEventId = 0;
  var gapTimer = null;

  function baseline(numbers) {
    Object.keys(numbers || {}).forEach(function (g) { seq[g] = numbers[g]; ahead[g] = {}; target[g] = 0; });
  }

  function noteEvent(event) {
    if (event.event_id && event.event_id > lastEventId) lastEventId = event.event_id;
    var g = event.group, n = event.seq;
    if (!g || typeof n !== "number") return;
    if (!(g in seq)) { seq[g] = n; ahead[g] = {}; return; }
    if (n <= seq[g]) return;  // late or repeated: nothing missing
    ahead[g][n] = true;
    while (ahead[g][seq[g] + 1]) { delete ahead[g][seq[g] + 1]; seq[g] += 1; }
    if (Object.keys(ahead[g]).length) checkSoon();
  }

  function noteServer(numbers) {
    Object.keys(numbers || {}).forEach(function (g) {
      if (g in seq && numbers[g] > seq[g]) { target[g] = Math.max(target[g] || 0, numbers[g]); checkSoon(); }
    });
  }

  function checkSoon() {
    if (!gapTimer) gapTimer = setTimeout(checkGaps, GAP_GRACE_MS);
  }

  function checkGaps() {
    gapTimer = null;
    var missing = Object.keys(seq).filter(function (g) {
      return Object.keys(ahead[g]).length || (target[g] || 0) > seq[g];
    });
    if (!missing.length) return;
    missing.forEach(function (g) {
      var top = Math.max.apply(null, [seq[g], target[g] || 0].concat(Object.keys(ahead[g]).map(Number)));
      seq[g] = top; ahead[g] = {}; target[g] = 0;
    });
    resync({ reason: "gap", groups: missing });
  }

  function resync(detail) {
    emit("helpdesk:resync", detail);
    if (!resyncApi || !lastEventId) return;
    var query = "?since=" + lastEventId + (ticketMatch ? "&ticket=" + ticketMatch[1] : "");
    replay(resyncApi + query, 5);
  }

  function replay(url, pages) {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        (data.results || []).forEach(function (e) {
          if (e.event_id > lastEventId) lastEventId = e.event_id;
          e.resynced = true;
          emit("helpdesk:event", e);
        });
        if (data.next && pages > 1) replay(data.next, pages - 1);
      })
      .catch(function () {});
  }

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
      if (everConnected || attempt > 0) resync({ reason: "reconnect" });
      everConnected = true;
      attempt = 0;
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "ping" }); }, PING_MS);
    };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (err) { return; }
      if (!event) return;
      if (event.type === "hello") { baseline(event.seq); return; }
      if (event.type === "pong") { noteServer(event.seq); return; }
      noteEvent(event);
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
