// The field app's service worker (loaded by /field/sw.js, which passes the app's version).
//
// - The field page opens with no network: it is fetched from the network when there is one (and kept),
//   else answered from the cache.
// - Our scripts, styles and fonts are kept as the page fetches them (their URLs carry the version).
// - Base-map tiles, when a base map is configured, are kept up to a limit, oldest out first.
// - The outbox (IndexedDB) is sent by Background Sync when the browser offers it, even with the page
//   closed. A new version replaces the caches; the outbox is not a cache and is never touched.
import { flush } from "./field-outbox.js";

const PAGE_TIMEOUT_MS = 4000;
const TILE_CACHE = "hm-field-tiles";

export function start(settings) {
  const prefix = "hm-field-";
  const cacheName = `${prefix}${settings.version}`;
  const staticRoot = `${settings.root}/static/`;
  const apiRoot = `${settings.root}/api/`;
  const core = [
    settings.scope,
    `${staticRoot}vendor/leaflet/leaflet.js`,
    `${staticRoot}vendor/leaflet/leaflet.css`,
    `${staticRoot}vendor/noto-sans-sc/index.css`,
    `${staticRoot}maps/maps.css?v=${settings.version}`,
    `${staticRoot}maps/field.css?v=${settings.version}`,
    `${staticRoot}maps/field.js?v=${settings.version}`,
    `${staticRoot}maps/common.js`,
    `${staticRoot}maps/field-outbox.js`,
    `${staticRoot}maps/field-geo.js`,
    `${staticRoot}http.js`,
    `${settings.scope}/manifest.webmanifest`,
    `${staticRoot}maps/icons/field-192.png`,
  ];

  self.addEventListener("install", (event) => {
    event.waitUntil((async () => {
      const cache = await caches.open(cacheName);
      // One by one: a file that fails (the page, when the session ended) does not stop the others.
      await Promise.all(core.map(async (u) => {
        try {
          const response = await fetch(u, { credentials: "same-origin", cache: "no-cache" });
          if (response.ok && !response.redirected) await cache.put(u, response);
        } catch { /* fetched again on the page's first use */ }
      }));
      await self.skipWaiting();
    })());
  });

  self.addEventListener("activate", (event) => {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(prefix) && name !== cacheName && name !== TILE_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })());
  });

  self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET") return;
    const u = new URL(request.url);
    if (u.origin === self.location.origin) {
      if (request.mode === "navigate") event.respondWith(page(request, cacheName));
      else if (u.pathname.startsWith(staticRoot) || u.pathname === `${settings.scope}/manifest.webmanifest`) {
        event.respondWith(kept(request, cacheName));
      }
      // The API is never answered from a cache: the page keeps what it needs offline in IndexedDB.
      else if (u.pathname.startsWith(apiRoot)) return;
    } else if (request.destination === "image" && settings.tiles !== false) {
      event.respondWith(tile(request, settings.tile_cache_max || 2000));
    }
  });

  self.addEventListener("sync", (event) => {
    if (event.tag === "hm-outbox") event.waitUntil(flush().then(tellPages));
  });

  self.addEventListener("message", (event) => {
    if (event.data && event.data.type === "flush") event.waitUntil(flush().then(tellPages));
  });
}

async function tellPages() {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "outbox" });
}

// The page: the network's answer when it comes in time (kept for the next time), else the kept one.
async function page(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), PAGE_TIMEOUT_MS)),
    ]);
    // A redirect to the login page is not the field page: do not keep it in its place.
    if (response.ok && !response.redirected) {
      await cache.put(request, response.clone());
      await cache.put(new URL(request.url).pathname, response.clone());
    }
    return response;
  } catch {
    const keptPage = (await cache.match(request)) || (await cache.match(new URL(request.url).pathname))
      || (await cache.match(request, { ignoreSearch: true }));
    if (keptPage) return keptPage;
    return new Response("<!doctype html><meta charset=utf-8><title>离线</title><p>离线：此页面尚未缓存，请联网后打开一次。",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

// Versioned files: the kept copy when there is one, else the network's (then kept).
async function kept(request, cacheName) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// Base-map tiles: kept up to `max`, the oldest dropped first.
async function tile(request, max) {
  const cache = await caches.open(TILE_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok || response.type === "opaque") {
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - max))) await cache.delete(old);
  }
  return response;
}
