// Shared by the map pages: the page's settings and words, the API, and how a hazard is drawn.
/* global L */

import { addBaseMaps, chosen, crsOf } from "../basemaps/basemaps.js";
import { loginUrl, Service, url } from "../http.js";

export { url };

export const config = JSON.parse(document.getElementById("hm-config").textContent);

export function t(key, vars = {}) {
  let text = config.t[key] ?? key;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, String(v));
  return text;
}

export function label(kind, code) {
  return (config.vocab[kind] && config.vocab[kind][code]) || code || "";
}

// Builds DOM with text nodes only: descriptions and addresses are typed by people, never trusted as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The session ended (logout elsewhere, expiry, disabled account): back to the login page, then here.
export function toLogin() {
  // A wall shown with a display key: load the page again, which says whether the key was revoked.
  if (config.display) {
    window.location.reload();
    return;
  }
  window.location.assign(loginUrl(config.root, window.location));
}

// How the pages ask the service (app/static/http.js): the session's CSRF token on writes, the login page
// on a 401.
export const service = new Service({ csrf: config.csrf_token, onLogin: toLogin });

export async function getJSON(base, params = {}, signal = undefined) {
  return service.json(base, { params, signal });
}

export function isOpen(p) {
  return config.open_statuses.includes(p.status);
}

// 超期 as the service defines it (past the deadline, or unclaimed too long): the feature says so.
export function isOverdue(p) {
  return p.overdue === true;
}

// 挂牌督办: hazards carry the flag once the ledger workflow adds it; until then nothing is marked.
export function isSupervised(p) {
  return p.supervised === true;
}

export function stateOf(p) {
  if (isOpen(p)) return "open";
  return p.status === "closed" ? "closed" : "rejected";
}

export function hazardClasses(p) {
  const classes = [`hm-${stateOf(p)}`];
  if (isOverdue(p)) classes.push("hm-overdue");
  if (isSupervised(p)) classes.push("hm-supervised");
  return classes;
}

export function pinIcon(p, extra = "") {
  return L.divIcon({
    className: ["hm-pin", ...hazardClasses(p), extra].join(" ").trim(),
    html: "",
    iconSize: [16, 16],
    iconAnchor: [8, 8],
    popupAnchor: [0, -8],
  });
}

export const SEGMENT_COLOURS = { open: "#d7301f", closed: "#15803d", rejected: "#6b6b6b" };
const CASING = { open: "#1c2733", closed: "#ffffff", rejected: "#ffffff", overdue: "#7a0019" };

// A segment is two lines: this coloured one (dashed once closed: not colour alone) over its casing.
export function segmentStyle(p) {
  const state = stateOf(p);
  return {
    color: SEGMENT_COLOURS[state],
    weight: state === "open" ? 7 : 5,
    opacity: 1,
    lineCap: "butt",
    dashArray: state === "open" ? null : "10 6",
    className: ["hm-seg", `hm-seg-${state}`, ...hazardClasses(p)].join(" "),
  };
}

// The casing under a segment, wider than any road: dark when open, dark red when overdue, white when closed.
export function segmentCasing(p) {
  const state = stateOf(p);
  const overdue = isOverdue(p);
  return {
    color: overdue ? CASING.overdue : CASING[state],
    weight: overdue ? 15 : 11,
    opacity: state === "open" ? 0.95 : 0.9,
    lineCap: "butt",
    className: `hm-seg-casing${overdue ? " hm-seg-casing-overdue" : ""}`,
  };
}

// 桩号 as posted on the road: K516+600 is 516 km + 600 m from the route's origin.
export function formatChainage(metres) {
  if (metres === null || metres === undefined) return "";
  const m = Math.round(metres);
  return `K${Math.floor(m / 1000)}+${String(m % 1000).padStart(3, "0")}`;
}

function roadLine(p) {
  const road = [p.road_code, p.road_name].filter(Boolean).join(" ");
  // The API writes a segment's chainage as start-end already.
  const chainage = p.chainage || formatChainage(p.chainage_m);
  return [road, chainage].filter(Boolean).join(" ") || "—";
}

export function recordUrl(p) {
  const base = p.kind === "segment" ? config.api.segments : config.api.hazards;
  return `${base}/${encodeURIComponent(p.id)}`;
}

// The record page (一点一档) of a hazard or segment: /hazards/{id} or /segments/{id} beside the API.
export function recordPage(p) {
  return `${config.root || ""}/${p.kind === "segment" ? "segments" : "hazards"}/${encodeURIComponent(p.id)}`;
}

// The category's name in the page's language (the API gives the Chinese one).
function categoryName(p) {
  const known = (config.categories || []).find((c) => c.code === p.category);
  return known ? known.name : p.category_name;
}

export function popupContent(p) {
  const overdue = isOverdue(p);
  const rows = [
    [t("kind"), label("kind", p.kind)],
    [t("category"), [p.category, categoryName(p)].filter(Boolean).join(" ")],
    [t("road_chainage"), roadLine(p)],
    [t("status"), label("status", p.status) + (overdue ? ` · ${t("overdue")}` : "") +
      (isSupervised(p) ? ` · ${t("supervised")}` : "")],
    [t("responsible"), [p.county_name, p.township_name].filter(Boolean).join(" / ") || "—"],
    [t("deadline"), p.deadline || t("no_deadline")],
    [t("grade"), `${label("grade", p.grade)} · ${label("visibility", p.visibility)}`],
  ];
  if (p.address) rows.push([t("address"), p.address]);
  if (p.description) rows.push([t("description"), p.description]);
  return el(
    "div",
    { class: `hm-popup${overdue ? " is-overdue" : ""}` },
    el("h3", {}, p.ledger_no || "—", p.demo ? el("small", { class: "hm-demo" }, t("demo")) : null),
    el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("a", { href: recordPage(p), target: "_blank", rel: "noopener" }, t("record")),
  );
}

// The thumbnails of a hazard's photos under its popup, fetched when the popup opens; nothing if it has none.
// The list is kept for a minute: onChange (a popup's update) renders the content again, and that second
// rendering must find the photos at once rather than fetch, or each update would ask for the next.
const PHOTO_LIST_TTL_MS = 60_000;
const photoLists = new Map();

function fillPhotos(strip, photos) {
  for (const photo of photos) {
    const href = photo.links.find((l) => l.rel === "enclosure").href;
    const src = photo.links.find((l) => l.rel === "preview").href;
    const title = photo.caption || t("photo_open");
    strip.append(el("a", { href, target: "_blank", rel: "noopener", title },
      el("img", { src, alt: title, width: 72, height: 54 })));
  }
  strip.hidden = photos.length === 0;
}

export function withPhotos(node, p, onChange = () => {}) {
  const url = `${recordUrl(p)}/photos`;
  const strip = el("div", { class: "hm-photos", hidden: true });
  node.append(strip);
  const known = photoLists.get(url);
  if (known && Date.now() - known.at < PHOTO_LIST_TTL_MS) {
    fillPhotos(strip, known.photos);
    return node;
  }
  service.send(url, { login: false })
    .then((r) => (r.ok ? r.json() : []))
    .then((photos) => {
      photoLists.set(url, { at: Date.now(), photos });
      fillPhotos(strip, photos);
      if (photos.length) onChange();
    })
    .catch(() => { /* photos are a help in a popup, not a must */ });
  return node;
}

// The base map is the service's own layers; tile base maps (servers or packages) when there are
// any, with a switcher (app/static/basemaps/basemaps.js). A GCJ-02 base map changes the map's CRS.
export function createMap(elementId, options = {}) {
  const basemaps = config.basemaps || { choices: [], default: "blank" };
  const map = L.map(elementId, {
    preferCanvas: false,
    zoomSnap: 0.5,
    attributionControl: false,
    crs: crsOf(basemaps.choices.length ? chosen(basemaps, config.page) : null),
    ...options,
  });
  map.createPane("hm-outlines").style.zIndex = 250;
  map.createPane("hm-roads").style.zIndex = 350;
  map.createPane("hm-segments").style.zIndex = 420;
  const attribution = L.control.attribution({ prefix: false }).addTo(map);
  for (const credit of config.credits) attribution.addAttribution(credit);
  if (basemaps.choices.length) {
    // The field page's top right holds its locate button and mode switch.
    const position = config.page === "field" ? "topleft" : "topright";
    addBaseMaps(map, basemaps, config.page, config.root || "", { position });
  }
  return map;
}

export function boundsOf(bbox) {
  return L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
}

// County outlines, with the page's own county (if any) drawn strongest.
export async function addOutlines(map, focusCode, { interactive = false, style = {} } = {}) {
  const data = await getJSON(config.api.jurisdictions, { level: "county", geometry: "outline", simplify: 50 });
  const layer = L.geoJSON(data, {
    pane: "hm-outlines",
    interactive,
    style: (f) => {
      const focus = focusCode && f.properties.code === focusCode;
      return {
        color: focus ? "#1f4e79" : "#5b7083",
        weight: focus ? 3 : 1.2,
        opacity: focus || !focusCode ? 0.9 : 0.5,
        fillColor: focus ? "#dce9f5" : "#eef2f5",
        fillOpacity: focus ? 0.35 : 0.25,
        className: `hm-outline hm-outline-${f.properties.code}`,
        ...style,
      };
    },
  }).addTo(map);
  return layer;
}

// County names at their seats: on the city map every county, on a county map the neighbours too.
export async function addCountyNames(map, focusCode) {
  const data = await getJSON(config.api.jurisdictions, { level: "county", geometry: "centre" });
  const layer = L.layerGroup().addTo(map);
  for (const f of data.features) {
    if (!f.geometry) continue;
    const [lon, lat] = f.geometry.coordinates;
    const focus = f.properties.code === focusCode;
    L.marker([lat, lon], {
      pane: "hm-outlines", interactive: false, keyboard: false,
      icon: L.divIcon({ className: `hm-county-name${focus ? " is-focus" : ""}`, html: el("span", {}, f.properties.name),
        iconSize: null }),
    }).addTo(layer);
  }
  return layer;
}

// Township seats (no township outlines are published): a dot and a name, names only when zoomed in.
export async function addTownships(map, countyCode) {
  const data = await getJSON(config.api.jurisdictions, { level: "township", parent: countyCode, geometry: "centre" });
  const layer = L.geoJSON(data, {
    pane: "hm-outlines",
    filter: (f) => Boolean(f.geometry),
    pointToLayer: (f, latlng) =>
      L.circleMarker(latlng, { pane: "hm-outlines", radius: 3, color: "#44546a", weight: 1, fillColor: "#fff",
        fillOpacity: 1, interactive: false, className: "hm-town" })
        .bindTooltip(f.properties.name, { permanent: true, direction: "right", className: "hm-town-label",
          offset: [4, 0] }),
  }).addTo(map);
  const labels = () => map.getContainer().classList.toggle("hm-show-towns", map.getZoom() >= 11);
  map.on("zoomend", labels);
  labels();
  return layer;
}

export const ROAD_STYLE = {
  expressway: { color: "#2f5597", weight: 5 },
  trunk: { color: "#c55a11", weight: 4 },
  county_township: { color: "#7f6000", weight: 2.5 },
  rural: { color: "#8c8c8c", weight: 1.5, dashArray: "4 3" },
};

// Lower road layers appear as the map zooms in, so a city view does not fetch every village lane.
export function roadGroupsAt(zoom) {
  if (zoom < 10) return ["expressway", "trunk"];
  if (zoom < 12) return ["expressway", "trunk", "county_township"];
  return ["expressway", "trunk", "county_township", "rural"];
}

export class RoadLayer {
  constructor(map) {
    this.map = map;
    this.hidden = new Set();
    this.groups = Object.fromEntries(Object.keys(ROAD_STYLE).map((g) => [g, L.layerGroup().addTo(map)]));
    this.controller = null;
  }

  setHidden(hidden) {
    this.hidden = new Set(hidden);
    for (const [group, layer] of Object.entries(this.groups)) {
      if (this.hidden.has(group)) this.map.removeLayer(layer);
      else layer.addTo(this.map);
    }
  }

  async load() {
    if (this.controller) this.controller.abort();
    this.controller = new AbortController();
    const b = this.map.getBounds().pad(0.2);
    const data = await getJSON(
      config.api.roads,
      { bbox: bboxParam(b), road_group: roadGroupsAt(this.map.getZoom()).join(","), limit: 5000 },
      this.controller.signal,
    );
    for (const layer of Object.values(this.groups)) layer.clearLayers();
    for (const f of data.features || []) {
      const group = f.properties.road_group;
      if (!this.groups[group]) continue;
      L.geoJSON(f, {
        pane: "hm-roads",
        interactive: true,
        style: { ...ROAD_STYLE[group], opacity: 0.85, className: `hm-road hm-road-${group}` },
      })
        .bindTooltip([f.properties.code, f.properties.name].filter(Boolean).join(" "), { sticky: true })
        .addTo(this.groups[group]);
    }
  }
}

export function bboxParam(bounds) {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [
    clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
    clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90),
  ].map((v) => v.toFixed(5)).join(",");
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function formatRate(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function fillKpis(root, unit) {
  for (const node of root.querySelectorAll("[data-kpi]")) {
    const key = node.dataset.kpi;
    const value = unit[key];
    node.textContent = key.endsWith("_rate") ? formatRate(value) : String(value ?? "—");
    node.dataset.value = value === null || value === undefined ? "" : String(value);
  }
}

// On a plain-http intranet address the browser has no crypto.randomUUID (it needs a secure context),
// but getRandomValues works everywhere: build the same RFC 4122 version-4 id from it.
export function newUuid() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
