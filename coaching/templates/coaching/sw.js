{% load static i18n %}/* Coaching service worker (scope /coaching/): the workspace and visit forms without signal.
   Pages: network first, the last copy when offline. Static files: cache first. */
const PAGES = "coaching-pages-v1";
const STATIC = "coaching-static-v1";
const ASSETS = [
  "{% static 'vendor/bootstrap/bootstrap.subset.min.css' %}",
  "{% static 'css/site.css' %}",
  "{% static 'vendor/bootstrap/bootstrap.subset.min.js' %}",
  "{% static 'vendor/idb-keyval/idb-keyval.umd.js' %}",
  "{% static 'coaching/offline.js' %}",
  "{% static 'coaching/visit-form.js' %}",
  "{% static 'coaching/coaching.css' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC)
      .then((cache) => Promise.all(ASSETS.map((url) => cache.add(url).catch(() => null))))
      .then(() => caches.open(PAGES))
      .then((cache) => cache.add("/coaching/").catch(() => null))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("coaching-") && k !== PAGES && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isPage(request, url) {
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
  if (url.pathname.startsWith("/coaching/") && isPage(request, url) && !url.pathname.endsWith(".csv")) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) { const copy = response.clone(); caches.open(PAGES).then((c) => c.put(request, copy)); }
        return response;
      }).catch(() => caches.open(PAGES).then((cache) => cache.match(request, { ignoreVary: true }).then((hit) => hit || cache.match("/coaching/", { ignoreVary: true }))))
        .then((response) => response || new Response("{% filter escapejs %}{% translate 'You are offline and this page is not kept on this phone.' %}{% endfilter %}", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }))
    );
  }
});
