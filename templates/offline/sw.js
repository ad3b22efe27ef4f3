// Service worker of the centre app. The cache is named from the app's version: a release
// installs a new cache and deletes older ones; queued records live in IndexedDB, which this file
// never touches, so an update loses nothing.
const VERSION = "{{ version }}";
const CACHE = "centre-app-" + VERSION;
const SHELL = {{ shell|safe }};
const ASSETS = {{ assets|safe }}.concat([{{ manifest|safe }}]);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS.concat([SHELL]))).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith("centre-app-") && name !== CACHE).map((name) => caches.delete(name))
  )).then(() => self.clients.claim()));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) { return; }
  if (request.mode === "navigate" && url.pathname === SHELL) {
    // Network first (a fresh page when online), the cached shell when offline or slow.
    event.respondWith(withTimeout(fetch(request), 4000).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
      }
      return response;
    }).catch(() => caches.match(SHELL).then((cached) => cached || Response.error())));
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((cached) => cached || fetch(request)));
  }
});
