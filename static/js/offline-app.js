// The centre app: records walk-in registrations and vaccinations into IndexedDB, with or without
// a network, and sends each exactly once (its client id is the server's idempotency key).
// Protocol: README "Offline registration at centres". Plain JS, no dependencies, no build.
(function () {
  "use strict";
  var STRINGS = JSON.parse(document.getElementById("centre-strings").textContent);
  var CONFIG = JSON.parse(document.getElementById("centre-config").textContent);
  var lang = localStorage.getItem("centre-lang") || document.documentElement.lang || "en";
  var db = null;
  var syncing = false;
  var failures = 0;
  var retryTimer = null;
  var retryAt = 0;
  var correcting = null;   // the record being corrected
  var needLogin = false;

  function t(key, values) {
    var text = (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function $(selector) { return document.querySelector(selector); }

  // --- storage -------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("centre-app", 1);
      request.onupgradeneeded = function () {
        var database = request.result;
        database.createObjectStore("records", {keyPath: "client_id"});
        database.createObjectStore("meta", {keyPath: "key"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(store, mode, work) {
    return new Promise(function (resolve, reject) {
      var transaction = db.transaction(store, mode);
      var result = work(transaction.objectStore(store));
      transaction.oncomplete = function () { resolve(result instanceof IDBRequest ? result.result : result); };
      transaction.onerror = function () { reject(transaction.error); };
      transaction.onabort = function () { reject(transaction.error); };
    });
  }
  function allRecords() {
    return tx("records", "readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return rows.sort(function (a, b) { return a.created_at - b.created_at; });
    });
  }
  function putRecords(rows) {
    return tx("records", "readwrite", function (store) { rows.forEach(function (row) { store.put(row); }); });
  }
  function deviceId() {
    return tx("meta", "readonly", function (store) { return store.get("device_id"); }).then(function (row) {
      if (row && row.value) { return row.value; }
      var value = uuid();
      return tx("meta", "readwrite", function (store) { store.put({key: "device_id", value: value}); }).then(function () { return value; });
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- time: the device's clock, kept as reported, with its offset ---------------------------
  function isoLocal(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" + pad(date.getHours()) +
      ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }
  function inputNow() { return isoLocal(new Date()).slice(0, 16); }
  function clock(ms) {
    return new Date(ms).toLocaleString(lang === "hi" ? "hi-IN" : "en-IN",
      {day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit"});
  }

  // --- the form ------------------------------------------------------------------------------
  var form = $("#record-form");
  function field(name) { return form.elements[name]; }
  function refreshForm() {
    var reference = field("reference_id").value.trim();
    var isCorrection = correcting && correcting.state === "accepted";
    $("#person").hidden = !!reference && !isCorrection;
    $("#vaccination").hidden = !!isCorrection;
    field("reference_id").closest("label").hidden = !!isCorrection;
    $("#dose1").hidden = !(field("dose").value === "2" && !reference);
    $("#correcting").hidden = !correcting;
  }
  function readForm() {
    var reference = field("reference_id").value.trim();
    var body = {client_id: uuid(), center_id: CONFIG.centerId};
    var isCorrection = correcting && correcting.state === "accepted";
    var error = "";
    if (isCorrection) {
      body.kind = "correction";
      body.corrects = correcting.client_id;
      body.recorded_at = isoLocal(new Date());
    } else {
      body.kind = reference ? "vaccination" : "registration";
      if (correcting) { body.corrects = correcting.client_id; }
      body.vaccine = field("vaccine").value;
      body.dose = parseInt(field("dose").value, 10);
      var when = field("time").value;
      if (!when) { error = t("err_time"); } else { body.recorded_at = isoLocal(new Date(when)); }
    }
    if (body.kind === "vaccination") {
      if (!/^[0-9]{14}$/.test(reference)) { error = error || t("err_reference"); }
      body.reference_id = reference;
    } else {
      body.name = field("name").value.trim().replace(/\s+/g, " ");
      var year = field("birth_year").value.trim();
      body.birth_year = /^[0-9]{4}$/.test(year) ? parseInt(year, 10) : NaN;
      body.gender = field("gender").value;
      var mobile = field("mobile").value.replace(/[\s-]/g, "").replace(/^(\+91|0)/, "");
      if (mobile) { body.mobile = mobile; }
      body.id_type = field("id_type").value;
      body.id_last4 = field("id_last4").value.trim().toUpperCase();
      if (!body.name) { error = error || t("err_name"); }
      if (!(body.birth_year >= 1900 && body.birth_year <= new Date().getFullYear())) { error = error || t("err_birth_year"); }
      if (mobile && !/^[6-9][0-9]{9}$/.test(mobile)) { error = error || t("err_mobile"); }
      if (!/^[0-9A-Z]{4}$/.test(body.id_last4)) { error = error || t("err_id_last4"); }
      if (body.kind === "registration" && body.dose === 2) {
        body.dose1_vaccine = field("dose1_vaccine").value;
        body.dose1_date = field("dose1_date").value;
        if (!body.dose1_date) { error = error || t("err_dose1"); }
      }
    }
    return {body: body, error: error};
  }
  function fillForm(record) {
    var b = record.body;
    form.reset();
    ["reference_id", "name", "birth_year", "gender", "mobile", "id_type", "id_last4", "vaccine", "dose",
     "dose1_vaccine", "dose1_date"].forEach(function (name) {
      if (b[name] !== undefined && b[name] !== null) { field(name).value = b[name]; }
    });
    field("time").value = b.recorded_at ? b.recorded_at.slice(0, 16) : inputNow();
    correcting = record;
    refreshForm();
    form.scrollIntoView();
  }
  form.addEventListener("input", refreshForm);
  form.addEventListener("change", refreshForm);
  $("#cancel-correction").addEventListener("click", function () { correcting = null; form.reset(); field("time").value = inputNow(); refreshForm(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var read = readForm();
    $("#form-error").textContent = read.error;
    $("#form-ok").hidden = true;
    if (read.error) { return; }
    var rows = [{client_id: read.body.client_id, body: read.body, state: "queued", created_at: Date.now()}];
    if (correcting && correcting.state === "refused") { correcting.state = "corrected"; rows.push(correcting); }
    putRecords(rows).then(function () {
      correcting = null;
      form.reset();
      field("time").value = inputNow();
      refreshForm();
      $("#form-ok").hidden = false;
      render();
      sync();
    });
  });

  // --- the list ------------------------------------------------------------------------------
  var BADGE = {queued: "warn", sending: "warn", accepted: "ok", refused: "bad", corrected: ""};
  function describe(record) {
    var b = record.body;
    var who = b.kind === "vaccination" ? b.reference_id : (b.name + (b.birth_year ? " (" + b.birth_year + ")" : ""));
    var what = b.kind === "correction" ? t("kind_correction") : (b.vaccine + " " + t("dose_n", {n: b.dose}));
    return who + " · " + what;
  }
  function render() {
    return allRecords().then(function (rows) {
      var list = $("#records");
      list.textContent = "";
      $("#none-yet").hidden = rows.length > 0;
      rows.slice().reverse().forEach(function (record) {
        var item = document.createElement("li");
        item.setAttribute("data-client-id", record.client_id);
        item.setAttribute("data-state", record.state);
        var line = document.createElement("div");
        line.className = "line";
        var badge = document.createElement("span");
        badge.className = "badge " + (BADGE[record.state] || "");
        badge.textContent = t("state_" + record.state);
        var text = document.createElement("span");
        text.textContent = describe(record) + " · " + clock(record.created_at);
        line.appendChild(badge);
        line.appendChild(text);
        item.appendChild(line);
        if (record.state === "accepted" && (record.reference_id || record.confirmation_number)) {
          var done = document.createElement("p");
          done.className = "muted";
          done.textContent = [record.reference_id ? t("reference", {ref: record.reference_id}) : "",
            record.confirmation_number ? t("confirmation", {number: record.confirmation_number}) : ""].join(" · ");
          item.appendChild(done);
        }
        if (record.state === "refused") {
          var why = document.createElement("p");
          why.className = "why";
          var known = STRINGS.en["reason_" + record.code];
          why.textContent = known ? t("reason_" + record.code) : (record.detail || t("reason_invalid"));
          item.appendChild(why);
        }
        if (record.state === "refused" || (record.state === "accepted" && record.body.kind === "registration")) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary";
          button.textContent = t("correct");
          button.addEventListener("click", function () { fillForm(record); });
          item.appendChild(button);
        }
        list.appendChild(item);
      });
      var queued = rows.filter(function (r) { return r.state === "queued" || r.state === "sending"; });
      var line = $("#queue-line");
      line.setAttribute("data-waiting", String(queued.length));
      line.textContent = queued.length ? t("waiting_since", {n: queued.length, since: clock(queued[0].created_at)}) : t("all_sent");
      return rows;
    });
  }
  function renderNet() {
    var online = navigator.onLine;
    var state = $("#net-state");
    state.className = "badge " + (online ? "ok" : "warn");
    state.textContent = online ? t("online") : t("offline");
    var last = localStorage.getItem("centre-last-sync");
    var line = syncing ? t("sending") : (retryAt > Date.now() ? t("retry_in", {s: Math.ceil((retryAt - Date.now()) / 1000)})
      : (last ? t("last_sync", {time: clock(parseInt(last, 10))}) : ""));
    $("#sync-line").textContent = line;
    $("#login-again").hidden = !needLogin;
  }

  // --- sending -------------------------------------------------------------------------------
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function schedule(ms) {
    clearTimeout(retryTimer);
    retryAt = Date.now() + ms;
    retryTimer = setTimeout(function () { retryAt = 0; sync(); }, ms);
  }
  function backoff() {
    failures += 1;
    var base = Math.min(60000, 2000 * Math.pow(2, failures - 1));
    schedule(Math.round(base * (0.5 + Math.random())));
  }
  function sendBatch(device, rows, queuedCount, oldest) {
    return fetch(CONFIG.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept-Language": lang},
      body: JSON.stringify({device_id: device, sent_at: isoLocal(new Date()), waiting: queuedCount,
                            oldest_waiting_at: oldest ? isoLocal(new Date(oldest)) : null,
                            records: rows.map(function (r) { return r.body; })})
    });
  }
  function syncOnce() {
    return Promise.all([deviceId(), allRecords()]).then(function (values) {
      var device = values[0];
      var queued = values[1].filter(function (r) { return r.state === "queued" || r.state === "sending"; });
      var batch = queued.slice(0, CONFIG.batchSize);
      return sendBatch(device, batch, queued.length, queued.length ? queued[0].created_at : null).then(function (response) {
        if (response.status === 401 || response.status === 403) { needLogin = true; return "stop"; }
        if (response.status === 413) { CONFIG.batchSize = Math.max(1, Math.floor(CONFIG.batchSize / 2)); return "again"; }
        if (response.status === 429 || response.status >= 500) {
          var after = parseInt(response.headers.get("Retry-After") || "0", 10);
          var error = new Error("server " + response.status);
          error.retryAfter = after;
          throw error;
        }
        if (!response.ok) { return "stop"; }
        return response.json().then(function (data) {
          needLogin = false;
          failures = 0;
          localStorage.setItem("centre-last-sync", String(Date.now()));
          var byId = {};
          data.results.forEach(function (result) { if (result.client_id) { byId[result.client_id] = result; } });
          var changed = [];
          batch.forEach(function (record) {
            var result = byId[record.client_id];
            if (!result || result.code === "retry") { return; }
            record.state = result.status;
            record.code = result.code;
            record.detail = result.detail;
            record.reference_id = result.reference_id;
            record.confirmation_number = result.confirmation_number;
            record.synced_at = Date.now();
            changed.push(record);
          });
          return putRecords(changed).then(function () {
            return queued.length > batch.length && changed.length ? "again" : "done";
          });
        });
      });
    });
  }
  function sync() {
    if (syncing || !db) { return Promise.resolve(); }
    if (!navigator.onLine) { renderNet(); return Promise.resolve(); }
    syncing = true;
    clearTimeout(retryTimer);
    retryAt = 0;
    renderNet();
    var run = function () {
      return syncOnce().then(function (outcome) {
        return render().then(function () { return outcome === "again" ? run() : outcome; });
      });
    };
    var job = function () {
      return run().catch(function (error) {
        backoff();
        if (error && error.retryAfter) { schedule(Math.max(error.retryAfter * 1000, retryAt - Date.now())); }
      });
    };
    // One sender per browser (tabs of one device share its queue); other browsers are other devices.
    var locked = navigator.locks ? navigator.locks.request("centre-sync", job) : job();
    return locked.then(function () { syncing = false; renderNet(); render(); }, function () { syncing = false; renderNet(); });
  }

  // --- language ------------------------------------------------------------------------------
  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = t(node.getAttribute("data-t")); });
    document.cookie = "django_language=" + lang + "; path=/; SameSite=Lax";
    renderNet();
    render();
  }
  $("#lang").addEventListener("click", function () {
    lang = lang === "hi" ? "en" : "hi";
    localStorage.setItem("centre-lang", lang);
    $("#form-error").textContent = "";
    applyLanguage();
  });

  // --- start ---------------------------------------------------------------------------------
  $("#send-now").addEventListener("click", function () { failures = 0; sync(); });
  window.addEventListener("online", function () { failures = 0; renderNet(); sync(); });
  window.addEventListener("offline", renderNet);
  setInterval(function () {
    renderNet();
    if (!syncing && !retryAt && navigator.onLine) {
      var waiting = parseInt($("#queue-line").getAttribute("data-waiting") || "0", 10);
      if (waiting) { sync(); }
    }
  }, 15000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(CONFIG.swUrl, {scope: "/centre/"}).catch(function () { /* the page works without it */ });
  }
  field("time").value = inputNow();
  refreshForm();
  openDb().then(function (database) {
    db = database;
    document.body.setAttribute("data-ready", "1");
    applyLanguage();
    return sync();
  });
})();
