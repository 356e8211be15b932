{% load static i18n %}/* Outcomes service worker (scope /outcomes/): worksheet pages without signal.
   Pages: network first, the last copy when offline. Static files: cache first. */
const PAGES = "outcomes-pages-v1";
const STATIC = "outcomes-static-v1";
const ASSETS = [
  "{% static 'vendor/bootstrap/bootstrap.min.css' %}",
  "{% static 'css/site.css' %}",
  "{% static 'vendor/bootstrap/bootstrap.bundle.min.js' %}",
  "{% static 'vendor/idb-keyval/idb-keyval.umd.js' %}",
  "{% static 'js/char-count.js' %}",
  "{% static 'outcomes/offline.js' %}",
  "{% static 'outcomes/worksheet.js' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC)
      .then((cache) => Promise.all(ASSETS.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("outcomes-") && k !== PAGES && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isPage(request) {
  return request.mode === "navigate" || (request.headers.get("Accept") || "").includes("text/html");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(STATIC).then((c) => c.put(request, copy)); }
        return response;
      }))
    );
    return;
  }
  if (url.pathname.startsWith("/outcomes/") && isPage(request)) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) { const copy = response.clone(); caches.open(PAGES).then((c) => c.put(request, copy)); }
        return response;
      }).catch(() => caches.open(PAGES).then((cache) => cache.match(request, { ignoreVary: true })))
        .then((response) => response || new Response("{% filter escapejs %}{% translate 'You are offline and this page is not kept on this phone.' %}{% endfilter %}", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }))
    );
  }
});
