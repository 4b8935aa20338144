// The command room's wall: KPI tiles per county and for the city, a city map, a clock; refreshes itself.
/* global L */
import { boundsOf, config, createMap, el, fillKpis, getJSON, t } from "./common.js";
import { addDensityPane, CandidateLayer, DensityLayer } from "./crash-layers.js";

const tiles = new Map([...document.querySelectorAll(".wall-tile")].map((n) => [n.dataset.unit, n]));
const clock = document.getElementById("wall-clock");
const updated = document.getElementById("wall-updated");
const stateNote = document.getElementById("wall-state");
stateNote.dataset.normal = stateNote.textContent;
const focusName = document.getElementById("wall-focus-name");
const units = [...tiles.keys()].filter((code) => code !== config.city.code);

const map = createMap("wall-map", {
  zoomControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false,
  keyboard: false, touchZoom: false, zoomSnap: 0.1, fadeAnimation: false,
});
const cityBounds = boundsOf(config.city.bbox);
map.fitBounds(cityBounds, { padding: [12, 12] });
const labels = L.layerGroup().addTo(map);
const hotspots = L.layerGroup().addTo(map);
let outlines = null;
let centres = {};
let stats = null;
let focus = null; // a county code while rotating, null for the whole city

const beijing = (options) => new Intl.DateTimeFormat(config.lang === "zh" ? "zh-CN" : "en-GB",
  { timeZone: "Asia/Shanghai", hour12: false, ...options });
const timeOnly = beijing({ hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateAndTime = beijing({
  year: "numeric", month: "long", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit",
  second: "2-digit",
});

function tick() {
  clock.textContent = dateAndTime.format(new Date());
}

function unitStats(code) {
  if (!stats) return null;
  return code === config.city.code ? stats.city : stats.counties.find((u) => u.code === code);
}

async function loadPlaces() {
  const [outlineData, centreData] = await Promise.all([
    getJSON(config.api.jurisdictions, { level: "county", geometry: "outline", simplify: 100 }),
    getJSON(config.api.jurisdictions, { level: "county", geometry: "centre" }),
  ]);
  outlines = L.geoJSON(outlineData, { pane: "hm-outlines", interactive: false }).addTo(map);
  centres = Object.fromEntries(
    centreData.features.filter((f) => f.geometry).map((f) => [f.properties.code, f.geometry.coordinates]),
  );
  paint();
}

// Counties shaded by their open hazards: the more open, the redder.
function paint() {
  if (!outlines || !stats) return;
  const open = Object.fromEntries(stats.counties.map((u) => [u.code, u.open]));
  const most = Math.max(1, ...Object.values(open));
  outlines.setStyle((f) => {
    const share = (open[f.properties.code] || 0) / most;
    const focused = focus === f.properties.code;
    return {
      color: focused ? "#ffd400" : "#9fb7d0", weight: focused ? 4 : 1.5, opacity: 1,
      fillColor: "#e5483a", fillOpacity: 0.08 + 0.55 * share, className: `wall-county wall-county-${f.properties.code}`,
    };
  });
  labels.clearLayers();
  for (const unit of stats.counties) {
    const at = centres[unit.code];
    if (!at) continue;
    const html = el("div", {}, el("b", {}, unit.name), el("span", {}, `${t("open")} ${unit.open}`));
    L.marker([at[1], at[0]], {
      icon: L.divIcon({ className: "wall-label", html, iconSize: null }), interactive: false, keyboard: false,
    }).addTo(labels);
  }
}

async function paintHotspots() {
  const b = map.getBounds();
  const cell = (48 * 360) / (256 * 2 ** map.getZoom());
  const grid = await getJSON(config.api.grid, {
    bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","),
    cell: Math.min(1, Math.max(0.0001, cell)).toFixed(5),
    status: config.open_statuses.join(","),
  });
  hotspots.clearLayers();
  const most = Math.max(1, ...grid.cells.map((c) => c.open));
  for (const c of grid.cells) {
    L.circleMarker([c.lat, c.lon], {
      radius: 3 + 9 * Math.sqrt(c.open / most), color: "#ffb3a8", weight: 1, fillColor: "#ff3b2f", fillOpacity: 0.75,
      interactive: false, className: "wall-hotspot",
    }).addTo(hotspots);
  }
}

function showFocus() {
  const code = focus || config.city.code;
  const unit = unitStats(code);
  for (const [c, node] of tiles) node.classList.toggle("is-focus", focus !== null && c === focus);
  if (!unit) return;
  focusName.textContent = focus ? unit.name : t("whole_city");
  const groups = unit.by_road_group;
  const most = Math.max(1, ...Object.values(groups).map((g) => g.open));
  for (const li of document.querySelectorAll("#wall-focus-groups li")) {
    const g = groups[li.dataset.group] || { open: 0 };
    li.querySelector("b").textContent = String(g.open);
    li.querySelector("em").style.width = `${(100 * g.open) / most}%`;
  }
  drawTrend(unit);
}

// The weekly trend of the unit in focus: four lines, drawn as inline SVG (no chart library).
const SVG = "http://www.w3.org/2000/svg";
const SERIES = ["found", "closed", "open", "overdue"];
const trendChart = document.getElementById("wall-trend-chart");
const trendTitle = document.getElementById("wall-trend-title");

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function drawTrend(unit) {
  if (!trendChart || !stats || !stats.weeks || !unit.weekly) return;
  const weeks = stats.weeks;
  const [w, h, left, right, top, bottom] = [600, 220, 36, 24, 10, 26];
  const most = Math.max(1, ...SERIES.flatMap((k) => unit.weekly[k]));
  const x = (i) => left + (weeks.length > 1 ? (i * (w - left - right)) / (weeks.length - 1) : (w - left - right) / 2);
  const y = (v) => top + (h - top - bottom) * (1 - v / most);
  trendChart.replaceChildren();
  for (const v of [0, Math.round(most / 2), most]) {
    trendChart.append(svg("line", { class: "grid", x1: left, x2: w - right, y1: y(v), y2: y(v) }));
    trendChart.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, String(v)));
  }
  weeks.forEach((week, i) => {
    if (i % 2 === weeks.length % 2 || i === weeks.length - 1) {
      trendChart.append(svg("text", { x: x(i), y: h - 6, "text-anchor": "middle" }, week.week.slice(5)));
    }
  });
  for (const key of SERIES) {
    const values = unit.weekly[key];
    trendChart.append(svg("polyline", {
      class: `trend-${key}`,
      "data-series": key,
      "data-values": values.join(","),
      points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
    }));
  }
  trendChart.dataset.unit = unit.code;
  trendTitle.textContent = t("trend", { n: weeks.length });
}

// The alarm: hazards overdue or listed (挂牌督办) now that were not at the previous refresh. The first
// refresh only takes stock. The banner stays until someone acknowledges it or alarm_s has passed.
const alarmBox = document.getElementById("wall-alarm");
const alarmItems = document.getElementById("wall-alarm-items");
const staleBox = document.getElementById("wall-stale");
const watched = { overdue: null, listed: null };
const alarms = []; // {kind, text, until}
const WATCH_LIMIT = 1000;

async function watchList(params) {
  const lists = await Promise.all([config.api.hazards, config.api.segments].map(
    (base) => getJSON(base, { ...params, limit: WATCH_LIMIT })));
  return new Map(lists.flatMap((l) => l.features).map((f) => [f.properties.id, f.properties]));
}

function describe(p) {
  return [p.ledger_no, p.county_name, p.road_code].filter(Boolean).join(" ");
}

function showAlarms() {
  const now = Date.now();
  for (let i = alarms.length - 1; i >= 0; i -= 1) if (alarms[i].until <= now) alarms.splice(i, 1);
  alarmItems.replaceChildren(...alarms.map((a) => el("li", { class: `alarm-${a.kind}` }, a.text)));
  alarmBox.hidden = alarms.length === 0;
  document.body.classList.toggle("has-alarm", alarms.length > 0);
}

function raise(kind, fresh) {
  if (!fresh.length) return;
  const names = fresh.slice(0, 3).map(describe).join("、");
  const more = fresh.length > 3 ? ` ${t("alarm_more", { n: fresh.length })}` : "";
  alarms.push({ kind, text: t(`alarm_${kind}`, { items: names + more }), until: Date.now() + config.alarm_s * 1000 });
}

async function watch() {
  const [overdue, listed] = await Promise.all([watchList({ overdue: "true" }), watchList({ supervised: "true" })]);
  for (const [kind, now] of [["overdue", overdue], ["listed", listed]]) {
    const before = watched[kind];
    if (before) raise(kind, [...now].filter(([id]) => !before.has(id)).map(([, p]) => p));
    watched[kind] = now;
  }
  showAlarms();
}

document.getElementById("wall-alarm-ack").addEventListener("click", () => {
  alarms.length = 0;
  showAlarms();
});

function stale(on) {
  document.body.classList.toggle("is-stale", on);
  staleBox.hidden = !on;
  if (on) {
    const last = document.body.dataset.updated;
    staleBox.textContent = t("stale_banner", { time: last ? timeOnly.format(new Date(last)) : "--:--:--" });
    stateNote.textContent = t("stale");
  } else {
    stateNote.textContent = stateNote.dataset.normal;
  }
}

async function refresh() {
  try {
    const [answer] = await Promise.all([getJSON(config.api.stats), watch()]);
    stats = answer;
    for (const [code, node] of tiles) {
      const unit = unitStats(code);
      if (unit) fillKpis(node, unit);
      // A development zone with nothing in its ledger would fill the grid with zeros: it waits off screen.
      node.hidden = Boolean(unit) && node.dataset.level === "zone" && unit.found === 0;
    }
    document.querySelector("[data-supervision-note]").hidden = stats.supervision_tracked;
    paint();
    showFocus();
    updated.textContent = timeOnly.format(new Date(stats.as_of));
    document.body.dataset.updated = stats.as_of;
    stale(false);
    paintHotspots().catch(() => {});
  } catch {
    // Keep the last figures on screen, say across the room that they are old, and try again next round.
    stale(true);
    showAlarms();
  } finally {
    setTimeout(refresh, config.refresh_s * 1000);
  }
}

function rotate() {
  const order = [null, ...units.filter((code) => unitStats(code))];
  const next = order[(order.indexOf(focus) + 1) % order.length];
  focus = next;
  const layer = outlines && focus
    ? outlines.getLayers().find((l) => l.feature.properties.code === focus) : null;
  map.flyToBounds(layer ? layer.getBounds() : cityBounds, { padding: [12, 12], duration: 1.2 });
  paint();
  showFocus();
}

// Crash analysis: candidates (evidence only: decisions are the county officers') and crash density.
addDensityPane(map);
const layerBox = document.querySelector(".wall-layers");
const crashLayers = {
  candidates: new CandidateLayer(map),
  density: new DensityLayer(map, layerBox.querySelector("[data-density-legend]")),
};
const mapNode = document.getElementById("wall-map");

function showCrashLayer(name, on) {
  mapNode.dataset[`${name}State`] = "loading";
  crashLayers[name].show(on)
    .then(() => { mapNode.dataset[`${name}State`] = on ? "ready" : "off"; })
    .catch(() => { mapNode.dataset[`${name}State`] = "error"; });
}

const asked = (new URLSearchParams(window.location.search).get("layers") || "").split(",");
for (const box of layerBox.querySelectorAll("input[name=crash_layer]")) {
  box.addEventListener("change", () => showCrashLayer(box.value, box.checked));
  if (asked.includes(box.value)) {
    box.checked = true;
    showCrashLayer(box.value, true);
  }
}
map.on("moveend", () => {
  for (const [name, layer] of Object.entries(crashLayers)) if (layer.on) showCrashLayer(name, true);
});

tick();
setInterval(tick, 1000);
loadPlaces().catch(() => {});
refresh();
if (config.rotate_s > 0) setInterval(rotate, config.rotate_s * 1000);
map.on("moveend", () => paintHotspots().catch(() => {}));
// A screen that changes size (another resolution, a window moved to the wall) keeps the whole view.
window.addEventListener("resize", () => {
  map.invalidateSize();
  const layer = outlines && focus ? outlines.getLayers().find((l) => l.feature.properties.code === focus) : null;
  map.fitBounds(layer ? layer.getBounds() : cityBounds, { padding: [12, 12], animate: false });
});
