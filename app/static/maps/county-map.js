// The county (or city) 挂图作战 map: hazards and segments loaded by viewport, filters, road layers.
/* global L */
import {
  addCountyNames, addOutlines, addTownships, bboxParam, boundsOf, config, createMap, debounce, el, fillKpis, getJSON,
  isOverdue, isSupervised, pinIcon, popupContent, RoadLayer, segmentCasing, segmentStyle, stateOf, t,
  url, withPhotos,
} from "./common.js";
import { addDensityPane, CandidateLayer, DensityLayer } from "./crash-layers.js";

const county = config.county;
const place = county || config.city;
const mapNode = document.getElementById("hm-map");
const panel = document.querySelector(".hm-panel");
const notice = document.getElementById("hm-notice");
const onMap = document.getElementById("hm-onmap");

const map = createMap("hm-map", { minZoom: 7, maxZoom: 18 });
L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
window.hmMap = map; // for the browser tests and for a person at the console
// A view in the address (#zoom/lat/lon) opens the map there, so a place can be bookmarked or sent.
const view = /^#(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(window.location.hash);
if (view) map.setView([Number(view[2]), Number(view[3])], Number(view[1]));
else map.fitBounds(boundsOf(place.bbox), { padding: [10, 10] });

const roads = new RoadLayer(map);
addDensityPane(map);
const candidateCount = panel.querySelector("[data-candidate-count]");
const crashLayers = {
  candidates: new CandidateLayer(map, {
    decide: true,
    onChange: (layer) => { candidateCount.textContent = layer.on ? `(${layer.count})` : ""; },
  }),
  density: new DensityLayer(map, panel.querySelector("[data-density-legend]")),
};
window.hmCrashLayers = crashLayers; // for the browser tests
const segments = L.layerGroup().addTo(map);
const grid = L.layerGroup().addTo(map);
const pins = L.markerClusterGroup({
  showCoverageOnHover: false,
  maxClusterRadius: 45,
  disableClusteringAtZoom: 16,
  spiderfyOnMaxZoom: true,
  chunkedLoading: true,
  iconCreateFunction: clusterIcon,
}).addTo(map);

// What the map was last given; redrawn without a request when a road layer is switched.
const state = { mode: "features", points: [], lines: [], cells: [], controller: null, painted: false };

function hiddenGroups() {
  return [...panel.querySelectorAll("input[name=road_group]")].filter((i) => !i.checked).map((i) => i.value);
}

const form = document.getElementById("hm-filters");
const FIELDS = ["status", "category", "grade", "visibility", "township", "reported_from", "reported_to"];
const FLAGS = ["overdue", "supervised"];

function field(name) {
  const node = form.elements.namedItem(name);
  return node ? node.value || null : null;
}

function flag(name) {
  const node = form.elements.namedItem(name);
  return node && node.checked ? "true" : null;
}

function statusParam() {
  const chosen = field("status");
  if (chosen === "open") return config.open_statuses.join(",");
  if (chosen) return chosen;
  return [...config.open_statuses, "closed"].join(",");
}

// The road layers switched on, and hazards on no known road, when any layer is off; null when all are on.
function shownGroups() {
  const hidden = hiddenGroups();
  return hidden.length ? [...config.road_groups.filter((g) => !hidden.includes(g)), "none"].join(",") : null;
}

function filterParams() {
  const params = { county: county ? county.code : null, status: statusParam() };
  for (const name of FIELDS.slice(1)) params[name] = field(name);
  for (const name of FLAGS) params[name] = flag(name);
  return params;
}

// The filters as the page's own address: what was chosen, nothing else, so that the address is short.
// withTownship false: for another county's map, where this county's township would select nothing.
function pageQuery(withTownship = true) {
  const query = new URLSearchParams();
  for (const name of FIELDS) if (field(name) && (withTownship || name !== "township")) query.set(name, field(name));
  for (const name of FLAGS) if (flag(name)) query.set(name, "true");
  if (shownGroups()) query.set("road_group", shownGroups());
  const lang = new URLSearchParams(window.location.search).get("lang");
  if (lang) query.set("lang", lang);
  return query.toString();
}

function remember() {
  // The legend names the grey diamond only when the status filter can draw it.
  document.querySelector("[data-legend=rejected]").hidden = !["rejected", "duplicate"].includes(field("status"));
  const q = pageQuery();
  window.history.replaceState(null, "", `${window.location.pathname}${q ? `?${q}` : ""}${window.location.hash}`);
  for (const link of document.querySelectorAll(".hm-export-link")) {
    link.href = url(config.api.export, {
      ...filterParams(), road_group: shownGroups(), collection: link.dataset.collection, format: link.dataset.format,
    });
  }
}

function badges(overdue, supervised) {
  if (!overdue && !supervised) return null;
  return el("span", { class: "hm-badges" },
    overdue ? el("em", { class: "ov", title: t("overdue") }, `!${overdue}`) : null,
    supervised ? el("em", { class: "sv", title: t("supervised") }, `督${supervised}`) : null);
}

function clusterIcon(cluster) {
  const tally = { open: 0, closed: 0, rejected: 0, overdue: 0, supervised: 0 };
  for (const m of cluster.getAllChildMarkers()) {
    tally[m.options.hmState] += 1;
    if (m.options.hmOverdue) tally.overdue += 1;
    if (m.options.hmSupervised) tally.supervised += 1;
  }
  return bubble(tally, cluster.getChildCount());
}

function bubble(tally, total) {
  const size = total < 10 ? 34 : total < 100 ? 40 : total < 1000 ? 48 : 56;
  const parts = [
    tally.open ? el("b", { class: "o" }, tally.open) : null,
    tally.closed ? el("b", { class: "c" }, tally.closed) : null,
    tally.rejected ? el("b", { class: "r" }, tally.rejected) : null,
  ];
  const label = [
    `${t("open")} ${tally.open}`, `${t("closed")} ${tally.closed}`,
    tally.overdue ? `${t("overdue")} ${tally.overdue}` : null,
    tally.supervised ? `${t("supervised")} ${tally.supervised}` : null,
  ].filter(Boolean).join(", ");
  const html = el("div", { title: label, "data-overdue": tally.overdue || 0, "data-supervised": tally.supervised || 0 },
    el("span", { class: "hm-pill" }, parts), badges(tally.overdue, tally.supervised));
  return L.divIcon({
    html,
    className: `hm-cluster${tally.open ? " has-open" : ""}${tally.overdue ? " has-overdue" : ""}`,
    iconSize: [size + 14, size],
  });
}

function visible(feature, hidden) {
  const group = feature.properties.road_group;
  return !group || !hidden.has(group);
}

function setTally(tally) {
  for (const key of ["open", "closed", "rejected"]) onMap.dataset[key] = String(tally[key] || 0);
  for (const node of onMap.querySelectorAll("[data-onmap]")) node.textContent = String(tally[node.dataset.onmap] || 0);
}

function say(message) {
  notice.hidden = !message;
  notice.textContent = message || "";
}

function draw() {
  const hidden = new Set(hiddenGroups());
  const tally = { open: 0, closed: 0, rejected: 0 };
  pins.clearLayers();
  segments.clearLayers();
  grid.clearLayers();
  if (state.mode === "grid") {
    for (const c of state.cells) {
      tally.open += c.open;
      tally.closed += c.closed;
      tally.rejected += c.rejected;
      L.marker([c.lat, c.lon], { icon: bubble(c, c.count), keyboard: false })
        .on("click", () => map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 18)))
        .addTo(grid);
    }
  } else {
    const markers = [];
    for (const f of state.points) {
      if (!visible(f, hidden)) continue;
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      tally[stateOf(p)] += 1;
      markers.push(
        L.marker([lat, lon], {
          icon: pinIcon(p), hmState: stateOf(p), hmOverdue: isOverdue(p),
          hmSupervised: isSupervised(p), title: p.ledger_no || "",
        })
          .bindPopup((layer) => withPhotos(popupContent(p), p, () => layer.getPopup()?.update())),
      );
    }
    pins.addLayers(markers);
    for (const f of state.lines) {
      if (!visible(f, hidden)) continue;
      const p = f.properties;
      tally[stateOf(p)] += 1;
      const line = L.geoJSON(f, { pane: "hm-segments", style: segmentStyle(p) });
      const casing = L.geoJSON(f, { pane: "hm-segments", style: segmentCasing(p), interactive: false });
      casing.addTo(segments);
      line.bindPopup(() => withPhotos(popupContent(p), p, () => line.getPopup()?.update())).addTo(segments);
      if (isSupervised(p)) {
        const mid = line.getBounds().getCenter();
        L.marker(mid, {
          pane: "hm-segments", keyboard: false, interactive: false,
          icon: L.divIcon({ className: "hm-seg-badge", html: el("span", {}, "督"), iconSize: null }),
        }).addTo(segments);
      }
    }
  }
  setTally(tally);
  mapNode.dataset.mode = state.mode;
  if (!state.painted && tally.open + tally.closed + tally.rejected > 0) {
    state.painted = true;
    // For bench/map_load.py: the moment the first hazards are on screen, after the browser painted them.
    requestAnimationFrame(() => performance.mark("hm-first-features"));
  }
}

function cellSize() {
  // About 64 screen pixels at the current zoom, in degrees of longitude.
  return Math.min(1, Math.max(0.0001, (64 * 360) / (256 * 2 ** map.getZoom())));
}

async function load() {
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  mapNode.dataset.state = "loading";
  const filters = filterParams();
  const bbox = bboxParam(map.getBounds().pad(0.1));
  const limit = config.limits.max_features;
  try {
    roads.load().catch(() => {});
    if (map.getZoom() < config.limits.detail_zoom) {
      const hidden = hiddenGroups();
      const shown = hidden.length ? [...config.road_groups.filter((g) => !hidden.includes(g)), "none"] : null;
      const counted = await getJSON(config.api.grid, { ...filters, bbox, cell: cellSize(), road_group: shown },
        controller.signal);
      if (counted.total > limit) {
        Object.assign(state, { mode: "grid", cells: counted.cells, points: [], lines: [] });
        say(t("too_many"));
        draw();
        mapNode.dataset.state = "ready";
        return;
      }
    }
    const [points, lines] = await Promise.all([
      getJSON(config.api.hazards, { ...filters, bbox, limit }, controller.signal),
      getJSON(config.api.segments, { ...filters, bbox, limit }, controller.signal),
    ]);
    Object.assign(state, { mode: "features", cells: [], points: points.features, lines: lines.features });
    const truncated = (points.numberMatched ?? 0) > points.features.length ||
      (lines.numberMatched ?? 0) > lines.features.length;
    say(truncated ? t("truncated", { n: limit }) : "");
    draw();
    mapNode.dataset.state = "ready";
  } catch (error) {
    if (error.name === "AbortError") return;
    say(t("load_failed"));
    mapNode.dataset.state = "error";
    setTimeout(load, 10000);
  }
}

async function loadCounts() {
  try {
    const stats = await getJSON(config.api.stats);
    const unit = county ? stats.counties.find((u) => u.code === county.code) : stats.city;
    if (unit) fillKpis(panel.querySelector(".hm-counts"), unit);
    panel.querySelector("[data-supervision-note]").hidden = stats.supervision_tracked;
  } catch {
    // The counts panel keeps its last figures; the next round tries again.
  }
}

document.getElementById("hm-area").addEventListener("change", (event) => {
  const code = event.target.value;
  const q = pageQuery(false);
  window.location.href = `${config.root}/map${code ? `/${encodeURIComponent(code)}` : ""}${q ? `?${q}` : ""}`;
});

form.addEventListener("change", () => { remember(); load(); });
form.addEventListener("submit", (event) => { event.preventDefault(); remember(); load(); });
document.getElementById("hm-filter-clear").addEventListener("click", (event) => {
  event.preventDefault();
  form.reset();
  for (const node of form.querySelectorAll("select")) node.value = "";
  for (const node of form.querySelectorAll("input[type=date]")) node.value = "";
  for (const node of form.querySelectorAll("input[type=checkbox]")) node.checked = false;
  remember();
  load();
});
for (const box of panel.querySelectorAll("input[name=road_group]")) {
  box.addEventListener("change", () => {
    remember();
    roads.setHidden(hiddenGroups());
    if (state.mode === "grid") load();
    else draw();
  });
}

for (const box of panel.querySelectorAll("input[name=crash_layer]")) {
  box.addEventListener("change", () => {
    const layer = crashLayers[box.value];
    mapNode.dataset[`${box.value}State`] = "loading";
    layer.show(box.checked)
      .then(() => { mapNode.dataset[`${box.value}State`] = box.checked ? "ready" : "off"; })
      .catch(() => { mapNode.dataset[`${box.value}State`] = "error"; say(t("load_failed")); });
    if (!box.checked) candidateCount.textContent = "";
  });
}
// ?layer=candidates (the link of a candidate's notification): that crash layer switched on at load.
const askedLayer = new URLSearchParams(window.location.search).get("layer");
for (const box of panel.querySelectorAll("input[name=crash_layer]")) {
  if (box.value === askedLayer && !box.checked) {
    box.checked = true;
    box.dispatchEvent(new Event("change"));
  }
}
map.on("moveend", debounce(() => {
  for (const [name, layer] of Object.entries(crashLayers)) {
    if (!layer.on) continue;
    mapNode.dataset[`${name}State`] = "loading";
    layer.load()
      .then(() => { mapNode.dataset[`${name}State`] = "ready"; })
      .catch(() => { mapNode.dataset[`${name}State`] = "error"; });
  }
}, 300));
map.on("moveend", debounce(load, 150));
map.on("moveend", () => {
  const c = map.getCenter();
  window.history.replaceState(null, "", `#${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
});
// On the city map a county is a way in: a click opens its map with the same filters.
addOutlines(map, county ? county.code : null, { interactive: !county })
  .then((layer) => {
    if (county) return;
    layer.eachLayer((l) => l.on("click", () => {
      const q = pageQuery(false);
      window.location.href = `${config.root}/map/${encodeURIComponent(l.feature.properties.code)}${q ? `?${q}` : ""}`;
    }));
  })
  .catch(() => {});
roads.setHidden(hiddenGroups());
remember();
addTownships(map, county ? county.code : null).catch(() => {});
addCountyNames(map, county ? county.code : null).catch(() => {});
load();
loadCounts();
setInterval(loadCounts, 60000);
