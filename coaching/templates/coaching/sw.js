{% load static i18n %}{% get_current_language as LANG %}/* Coaching service worker (scope /coaching/): the coach's pages without signal.
   As soon as it installs (the first coaching page the phone opens, whichever it is, e.g. a visit
   form opened from an email), it keeps every page the coach has open or may open next: the
   pages open in this browser, and the list the server gives for this coach (the workspace, their
   visits, each pair's page and visit form). A page opened later asks it to keep the pages of
   pairs confirmed since ("keep-pages"). Pages: network first, the kept copy when offline.
   Static files: cache first. */
const PAGES = "coaching-pages-v1";
const STATIC = "coaching-static-v2";  // v2: the purged Bootstrap subset replaced the full files
const STATE_URL = "{% url 'coaching:offline_state' %}";
const ASSETS = [
  "{% static 'vendor/bootstrap/bootstrap.subset.min.css' %}",
  "{% static 'css/site.css' %}",
  "{% static 'vendor/bootstrap/bootstrap.subset.min.js' %}",
  "{% static 'vendor/idb-keyval/idb-keyval.umd.js' %}",
  "{% static 'coaching/offline.js' %}",
  "{% static 'coaching/visit-form.js' %}",
  "{% static 'coaching/coaching.css' %}",
];

function isHtml(response) {
  return response.ok && !response.redirected && (response.headers.get("Content-Type") || "").includes("text/html");
}

async function pagesToKeep() {
  const urls = [];
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  windows.forEach((client) => {
    const url = new URL(client.url);
    if (url.origin === self.location.origin && url.pathname.startsWith("/coaching/")) urls.push(url.pathname + url.search);
  });
  const response = await fetch(STATE_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
  if (response.ok && !response.redirected) urls.push(...((await response.json()).pages || []));
  return [...new Set(urls)];
}

// Keeps each page not kept yet (all of them when `fresh`); a login page or an error is never
// kept in a page's place. Without signal it keeps nothing and fails nothing.
async function keepPages(fresh) {
  let urls;
  try { urls = await pagesToKeep(); } catch (error) { return; }
  const cache = await caches.open(PAGES);
  await Promise.all(urls.map(async (url) => {
    if (!fresh && await cache.match(url, { ignoreVary: true })) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (isHtml(response)) await cache.put(url, response);
    } catch (error) { /* no signal: kept next time */ }
  }));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC)
      .then((cache) => Promise.all(ASSETS.map((url) => cache.add(url).catch(() => null))))
      .then(() => keepPages(true))
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

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "keep-pages") event.waitUntil(keepPages(false));
});

function isPage(request) {
  return request.mode === "navigate" || (request.headers.get("Accept") || "").includes("text/html");
}

const OFFLINE_PAGE = `<!doctype html><html lang="{{ LANG }}"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{% filter escapejs %}{% translate 'No signal' %}{% endfilter %}</title>
<p>{% filter escapejs %}{% translate 'You are offline and this page is not kept on this phone.' %}{% endfilter %}</p>
<p><a href="/coaching/">{% filter escapejs %}{% translate 'Open my organisations (kept on this phone)' %}{% endfilter %}</a></p></html>`;

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
  if (url.pathname.startsWith("/coaching/") && isPage(request) && !url.pathname.endsWith(".csv")) {
    event.respondWith(
      fetch(request).then((response) => {
        if (isHtml(response)) { const copy = response.clone(); caches.open(PAGES).then((c) => c.put(request, copy)); }
        return response;
      }).catch(() => caches.open(PAGES)
        .then((cache) => cache.match(request, { ignoreVary: true }))
        .then((hit) => hit || new Response(OFFLINE_PAGE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } })))
    );
  }
});
