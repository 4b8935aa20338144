// The field page: pin a hazard (or tap along a road for a segment), describe it, and leave it in the
// phone's outbox, which sends it — once — whenever the network lets it (field-outbox.js). The page
// opens with no network after one visit online (the service worker, field-sw-core.js) and draws the
// officer's roads and township seats from the offline package when there is no base map.
/* global L */
import {
  bboxParam, boundsOf, config, createMap, debounce, el, getJSON, label, newUuid, pinIcon,
  popupContent, ROAD_STYLE, RoadLayer, segmentStyle, service, t, url,
} from "./common.js";
import * as outbox from "./field-outbox.js";
import { accuracyIsPoor, chainageText, snapToRoads } from "./field-geo.js";

const F = config.field;
const NEARBY_ZOOM = 13;
// While something waits, the outbox is tried again after these pauses (besides the `online` event and
// Background Sync): soon at first — a network coming back often fails its first requests — then
// every 20 s.
const RETRY_MS = [2_000, 5_000, 10_000, 20_000];
let failures = 0;

const form = document.getElementById("field-form");
const hint = document.getElementById("field-hint");
const segmentBar = document.getElementById("field-segment");
const pinHere = document.getElementById("field-pin-here");
const accuracyNote = document.getElementById("field-accuracy");
const status = document.getElementById("field-status");
const mapNode = document.getElementById("field-map");
const dupSheet = document.getElementById("field-duplicates");
const outboxSheet = document.getElementById("field-outbox");
const outboxList = outboxSheet.querySelector("[data-list]");
const pendingBadge = document.querySelector("[data-pending-count]");
const netBadge = document.querySelector("[data-net]");
const snapNote = form.querySelector("[data-snap]");
const thumbs = form.querySelector("[data-thumbs]");

const map = createMap("field-map", { minZoom: 7, maxZoom: 19 });
map.fitBounds(boundsOf(config.city.bbox));
// Top left: on a phone the attribution takes the whole bottom line.
L.control.scale({ metric: true, imperial: false, position: "topleft" }).addTo(map);
window.hmMap = map; // for the browser tests and for a person at the console
const nearby = L.layerGroup().addTo(map);
const mine = L.layerGroup().addTo(map);
const draftLayer = L.layerGroup().addTo(map);
const here = L.layerGroup().addTo(map);

let mode = "point";
let vertices = [];
let me = null; // the officer's position, when located well enough to pin by
let area = null; // the offline package: {outlines, townships, roads}
let editing = null; // the uid of a refused report being fixed
let snapAsked = 0; // the latest snap request (older answers are dropped)

function say(text, { login = false } = {}) {
  status.hidden = !text;
  status.querySelector("[data-text]").textContent = text || "";
  const link = status.querySelector("[data-login]");
  link.hidden = !login;
  if (login) link.href = url(F.login, { next: window.location.pathname + window.location.search });
}

// -- the offline package: outlines, township seats with names, roads with their 桩号 ranges -----------
const areaLayer = L.layerGroup().addTo(map);
let onlineRoads = null; // the service's road layer, when there is no package

function drawArea() {
  areaLayer.clearLayers();
  if (!area) return;
  L.geoJSON({ type: "FeatureCollection", features: area.outlines }, {
    pane: "hm-outlines", interactive: false,
    style: { color: "#1f4e79", weight: 2, opacity: 0.8, fillColor: "#eef2f5", fillOpacity: 0.2 },
  }).addTo(areaLayer);
  for (const road of area.roads) {
    const p = road.properties;
    const style = ROAD_STYLE[p.road_group] || ROAD_STYLE.rural;
    L.geoJSON(road, {
      pane: "hm-roads", interactive: false, style: { ...style, opacity: 0.9, className: `hm-road hm-road-${p.road_group}` },
    }).addTo(areaLayer);
    // The road's code where the officer stands: along the road every couple of kilometres, shown
    // at field zoom only.
    if (p.code) {
      for (const at of labelPoints(road.geometry)) {
        L.tooltip({ permanent: true, direction: "center", className: "field-road-label", interactive: false })
          .setLatLng(at).setContent(p.code).addTo(areaLayer);
      }
    }
  }
  for (const town of area.townships) {
    const [lon, lat] = town.geometry.coordinates;
    L.circleMarker([lat, lon], { pane: "hm-outlines", radius: 3, color: "#44546a", weight: 1, fillColor: "#fff",
      fillOpacity: 1, interactive: false, className: "hm-town" })
      .bindTooltip(town.properties.name, { permanent: true, direction: "right", className: "hm-town-label", offset: [4, 0] })
      .addTo(areaLayer);
  }
  labelsByZoom();
}

const LABEL_EVERY_M = 2000;

function labelPoints(geometry) {
  const parts = geometry.type === "LineString" ? [geometry.coordinates]
    : geometry.type === "MultiLineString" ? geometry.coordinates : [];
  const points = [];
  for (const coords of parts) {
    let next = LABEL_EVERY_M / 4; // the first one soon after the start, so that short pieces get one
    let walked = 0;
    for (let i = 1; i < coords.length; i++) {
      const a = L.latLng(coords[i - 1][1], coords[i - 1][0]);
      const b = L.latLng(coords[i][1], coords[i][0]);
      const length = a.distanceTo(b);
      while (length > 0 && walked + length >= next) {
        const f = (next - walked) / length;
        points.push(L.latLng(a.lat + f * (b.lat - a.lat), a.lng + f * (b.lng - a.lng)));
        next += LABEL_EVERY_M;
      }
      walked += length;
    }
  }
  return points;
}

function labelsByZoom() {
  const z = map.getZoom();
  map.getContainer().classList.toggle("hm-show-towns", z >= 11);
  map.getContainer().classList.toggle("field-show-roads", z >= 13);
}
map.on("zoomend", labelsByZoom);

async function loadArea() {
  let fresh = null;
  if (navigator.onLine) {
    try {
      const response = await service.send(F.area, { login: false });
      if (response.ok) fresh = await response.json();
    } catch { /* the network went between the check and the call */ }
  }
  if (fresh) {
    area = fresh;
    await outbox.setMeta("area", fresh).catch(() => {});
  } else {
    area = await outbox.getMeta("area").catch(() => null);
  }
  if (area) {
    drawArea();
    mapNode.dataset.area = "ready";
  } else {
    mapNode.dataset.area = "missing";
    if (navigator.onLine) {
      onlineRoads = new RoadLayer(map);
      onlineRoads.load().catch(() => {});
    } else {
      say(t("area_missing"));
    }
  }
}

// -- drawing the draft ---------------------------------------------------------------------------------
function drawDraft() {
  draftLayer.clearLayers();
  if (mode === "point" && vertices.length) {
    L.marker(vertices[0], { icon: L.divIcon({ className: "hm-pin hm-open is-draft", iconSize: [18, 18] }) })
      .addTo(draftLayer);
  } else if (vertices.length) {
    L.polyline(vertices, { color: "#d7301f", weight: 8, opacity: 0.7, dashArray: "10 6" }).addTo(draftLayer);
    for (const v of vertices) L.circleMarker(v, { radius: 5, color: "#d7301f", fillColor: "#fff", fillOpacity: 1 }).addTo(draftLayer);
  }
  segmentBar.hidden = mode !== "segment" || vertices.length === 0 || !form.hidden;
  segmentBar.querySelector("[data-count]").textContent = t("segment_points", { n: vertices.length });
  segmentBar.querySelector("[data-action=done]").disabled = vertices.length < 2;
}

function setMode(next) {
  mode = next;
  vertices = [];
  for (const b of document.querySelectorAll(".field-mode button")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  hint.textContent = t(mode === "point" ? "hint_point" : "hint_segment");
  closeForm();
  drawDraft();
}

function add(latlng) {
  if (!form.hidden || !dupSheet.hidden || !outboxSheet.hidden) return;
  if (mode === "point") {
    vertices = [latlng];
    drawDraft();
    openForm();
  } else {
    vertices.push(latlng);
    drawDraft();
  }
}

// -- the form ----------------------------------------------------------------------------------------
function openForm() {
  form.hidden = false;
  hint.hidden = true;
  segmentBar.hidden = true;
  pinHere.hidden = true;
  document.body.classList.add("is-form-open");
  map.invalidateSize();
  map.panTo(vertices[vertices.length - 1]);
  form.querySelector(".field-road").hidden = mode !== "point";
  preview();
}

function closeForm() {
  form.hidden = true;
  hint.hidden = false;
  pinHere.hidden = !me;
  editing = null;
  form.querySelector("[data-submit]").textContent = t("submit");
  document.body.classList.remove("is-form-open");
  showErrors([]);
  map.invalidateSize();
}

function resetForm() {
  form.reset();
  for (const name of ["road", "chainage"]) delete form.elements[name].dataset.auto;
  thumbs.replaceChildren();
  snapNote.textContent = "";
}

function usualVisibility() {
  const usual = config.usual_visibility[form.elements.category.value];
  if (!usual) return;
  for (const radio of form.querySelectorAll("input[name=visibility]")) radio.checked = radio.value === usual;
}

function geometry() {
  const lonLat = (ll) => [Number(ll.lng.toFixed(7)), Number(ll.lat.toFixed(7))];
  return mode === "point"
    ? { type: "Point", coordinates: lonLat(vertices[0]) }
    : { type: "LineString", coordinates: vertices.map(lonLat) };
}

// The road and 桩号 the pin will snap to: from the offline roads at once, then from the service when
// the network is there (its answer is the one that counts). Typed values are left alone.
function fillRoad(code, chainage) {
  for (const [name, value] of [["road", code || ""], ["chainage", chainage || ""]]) {
    const input = form.elements[name];
    if (input.value === "" || input.value === input.dataset.auto) input.value = value;
    input.dataset.auto = value;
  }
}

let lastSnap = null;

function describeSnap(found, checking = false) {
  lastSnap = [found, checking];
  if (typedLocation()) {
    snapNote.textContent = t("snap_by_chainage");
    return;
  }
  const more = checking ? t("snap_checking") : "";
  snapNote.textContent = found
    ? t("snap_preview", { road: found.code || "", chainage: found.chainage || "", m: Math.round(found.distance_m) }) + more
    : t("snap_none", { m: F.snap_distance_m }) + more;
}

async function preview() {
  if (mode !== "point" || !vertices.length) return;
  const { lat, lng } = vertices[0];
  const local = area ? snapToRoads(area.roads, lng, lat, F.snap_distance_m) : null;
  const guess = local ? { ...local, chainage: chainageText(local.chainage_m) } : null;
  fillRoad(guess && guess.code, guess && guess.chainage);
  describeSnap(guess, navigator.onLine);
  if (!navigator.onLine) return;
  const asked = ++snapAsked;
  try {
    const answer = await getJSON(`${config.api.roads}/snap`, { lon: lng.toFixed(7), lat: lat.toFixed(7) });
    if (asked !== snapAsked) return;
    const p = answer.properties;
    const found = p.snapped ? { code: p.road_code, chainage: p.chainage, distance_m: p.distance_m } : null;
    fillRoad(found && found.code, found && found.chainage);
    describeSnap(found);
  } catch {
    if (asked === snapAsked) describeSnap(guess);
  }
}

for (const name of ["road", "chainage"]) {
  form.elements[name].addEventListener("input", () => { if (lastSnap) describeSnap(...lastSnap); });
}

// A 桩号 written with its road in front (G309线K516+600处, 312国道K12+300) names the road itself.
const NAMES_ROAD = /^\s*(?:[GSXYCZ]\d{1,4}(?![\d+])|\d{1,4}(?:国道|省道|县道|乡道|村道)|(?:国道|省道|县道|乡道|村道)\d)/i;

function typedLocation() {
  const road = form.elements.road.value.trim().toUpperCase();
  const chainage = form.elements.chainage.value.trim();
  const auto = (name) => (form.elements[name].dataset.auto || "").toUpperCase();
  if (mode !== "point" || !chainage) return null;
  if (road === auto("road") && chainage.toUpperCase() === auto("chainage")) return null;
  // The service reads road, 桩号, direction and place words out of the text, e.g. 桩号K93+500上行.
  if (NAMES_ROAD.test(chainage)) return { chainage };
  return road ? { road, chainage } : null;
}

function showErrors(errors) {
  for (const node of form.querySelectorAll("[data-error]")) { node.hidden = true; node.textContent = ""; }
  for (const e of errors) {
    const key = String(e.field || "").split(".").pop();
    const node = form.querySelector(`[data-error="${key}"]`) || form.querySelector('[data-error="_"]');
    node.hidden = false;
    node.textContent = node.textContent ? `${node.textContent}；${e.message}` : e.message;
  }
}

function checkForm() {
  const errors = [];
  if (!form.elements.category.value) errors.push({ field: "category", message: t("choose_category") });
  if (!form.querySelector("input[name=grade]:checked")) errors.push({ field: "grade", message: t("choose_grade") });
  showErrors(errors);
  return errors.length === 0;
}

function reportBody(uid) {
  const f = form.elements;
  const properties = {
    uid,
    category: f.category.value,
    visibility: form.querySelector("input[name=visibility]:checked").value,
    grade: form.querySelector("input[name=grade]:checked").value,
    description: f.description.value.trim(),
  };
  if (f.address.value.trim()) properties.address = f.address.value.trim();
  if (f.direction.value) properties.direction = f.direction.value;
  // A 桩号 read off a milepost places the report on its road; otherwise the pin does.
  const typed = typedLocation();
  if (typed) Object.assign(properties, typed);
  return { type: "Feature", geometry: typed ? null : geometry(), properties };
}

function chosenPhotos() {
  return [...form.elements.photos.files].map((file) => ({ name: file.name, type: file.type, blob: file }));
}

form.elements.photos.addEventListener("change", () => {
  thumbs.replaceChildren(...[...form.elements.photos.files].map((file) =>
    el("li", {}, el("img", { src: URL.createObjectURL(file), alt: file.name, width: 64, height: 48 }))));
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (vertices.length === 0 || !checkForm()) return;
  const kind = mode;
  const base = kind === "point" ? config.api.hazards : config.api.segments;
  if (editing) {
    const report = await outbox.getReport(editing);
    const body = reportBody(editing);
    await outbox.resend(editing, { body, url: base, photos: [...report.photos, ...chosenPhotos().map(freshPhoto)] });
  } else {
    const uid = newUuid();
    await outbox.addReport({
      uid, kind, url: base, body: reportBody(uid), photos: chosenPhotos(),
      category_name: config.category_names[form.elements.category.value] || form.elements.category.value,
    });
  }
  closeForm();
  vertices = [];
  drawDraft();
  resetForm();
  say(navigator.onLine ? t("saved_sending") : t("saved_offline"));
  await render();
  askForSync();
  kick();
});

function freshPhoto(p) {
  return { ...p, sent: false, error: null };
}

form.querySelector("[data-action=cancel]").addEventListener("click", () => {
  closeForm();
  vertices = [];
  drawDraft();
  resetForm();
});
form.elements.category.addEventListener("change", usualVisibility);

// -- the outbox: sending, and what the officer sees of it ------------------------------------------
let flushing = false;
let retryTimer = null;

async function kick() {
  netBadge.hidden = navigator.onLine;
  if (!navigator.onLine || flushing) return;
  flushing = true;
  let outcome;
  try {
    outcome = await outbox.flush();
  } catch {
    outcome = outbox.OFFLINE;
  } finally {
    flushing = false;
  }
  failures = outcome === outbox.OFFLINE ? failures + 1 : 0;
  await render();
  if (outcome === outbox.LOGIN) say(t("login_needed"), { login: true });
  else if (outcome === outbox.DONE && !status.querySelector("[data-login]").hidden) say("");
}

function askForSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((reg) => (reg.sync ? reg.sync.register("hm-outbox") : null))
    .catch(() => { /* no Background Sync: the page sends when it is open */ });
}

function stateLabel(r) {
  return t(`state_${r.state}`);
}

function recordHref(r) {
  const base = r.kind === "point" ? "hazards" : "segments";
  return `${config.root || ""}/${base}/${r.hazard.id}`;
}

function reportItem(r) {
  const when = new Date(r.created).toLocaleString(config.lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const p = r.body.properties;
  const where = [p.road, p.chainage].filter(Boolean).join(" ");
  const sentPhotos = r.photos.filter((x) => x.sent).length;
  const item = el("li", { class: "field-report", dataset: { state: r.state, uid: r.uid } },
    el("div", { class: "field-report-head" },
      el("b", {}, r.category_name || p.category),
      el("span", { class: "field-chip", dataset: { state: r.state } }, stateLabel(r))),
    el("small", {}, [when, label("kind", r.kind === "point" ? "point" : "segment"), where].filter(Boolean).join(" · ")));
  if (r.hazard) {
    item.append(el("p", { class: "field-report-no" }, t("sent_as", { no: r.hazard.ledger_no }), " ",
      el("a", { href: recordHref(r), target: "_blank", rel: "noopener" }, t("open_record"))));
  }
  if (r.photos.length) {
    const failed = r.photos.filter((x) => x.error).map((x) => `${x.name}：${x.error}`);
    item.append(el("small", { class: "field-report-photos" }, t("photos_progress", { sent: sentPhotos, all: r.photos.length }),
      failed.length ? ` · ${t("photo_failed", { detail: failed.join("；") })}` : ""));
  }
  if (r.state === outbox.ATTENTION) {
    const problem = r.problem || {};
    const actions = el("div", { class: "field-report-actions" });
    if (problem.status === 409 && Array.isArray(problem.duplicates) && problem.duplicates.length) {
      item.append(el("p", { class: "field-report-problem" }, t("dup_found")));
      const decide = el("button", { type: "button", dataset: { action: "decide" } }, t("dup_decide"));
      decide.onclick = () => askAboutDuplicates(r);
      actions.append(decide);
    } else {
      const lines = (problem.errors || []).map((e) => e.message);
      item.append(el("p", { class: "field-report-problem" }, t("refused", { detail: lines.join("；") || problem.detail || problem.status })));
      const fix = el("button", { type: "button", dataset: { action: "fix" } }, t("fix_and_resend"));
      fix.onclick = () => fixReport(r);
      actions.append(fix);
    }
    const drop = el("button", { type: "button", class: "field-quiet", dataset: { action: "discard" } }, t("discard"));
    drop.onclick = async () => {
      if (!window.confirm(t("discard_confirm"))) return;
      await outbox.removeReport(r.uid);
      render();
    };
    actions.append(drop);
    item.append(actions);
  }
  return item;
}

function drawReports(reports) {
  mine.clearLayers();
  for (const r of reports) {
    const g = r.body.geometry;
    if (!g) continue;
    const sent = r.state === outbox.SENT && r.hazard;
    if (g.type === "Point") {
      const icon = sent
        ? pinIcon({ status: "reported" }, "is-new")
        : L.divIcon({ className: `hm-pin hm-open is-pending is-${r.state}`, iconSize: [16, 16] });
      L.marker([g.coordinates[1], g.coordinates[0]], { icon, title: sent ? r.hazard.ledger_no : stateLabel(r) }).addTo(mine);
    } else {
      const style = sent ? segmentStyle({ status: "reported" }) : { color: "#d7301f", weight: 8, opacity: 0.5, dashArray: "6 6" };
      L.polyline(g.coordinates.map(([x, y]) => [y, x]), style).addTo(mine);
    }
  }
}

async function render() {
  let reports = [];
  try {
    reports = await outbox.listReports();
  } catch { /* no IndexedDB (a private window): nothing kept */ }
  const pending = outbox.pendingCount(reports);
  pendingBadge.hidden = pending === 0;
  pendingBadge.textContent = String(pending);
  document.body.dataset.pending = String(pending);
  outboxSheet.querySelector("[data-empty]").hidden = reports.length > 0;
  outboxList.replaceChildren(...[...reports].reverse().map(reportItem));
  drawReports(reports);
  clearTimeout(retryTimer);
  if (reports.some((r) => r.state === outbox.WAITING || r.state === outbox.SENDING)) {
    retryTimer = setTimeout(kick, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]);
  }
}

// A refused report back in the form, with the service's reasons beside its fields.
function fixReport(r) {
  closeOutbox();
  const g = r.body.geometry;
  const p = r.body.properties;
  setMode(r.kind);
  if (g) {
    vertices = g.type === "Point" ? [L.latLng(g.coordinates[1], g.coordinates[0])]
      : g.coordinates.map(([x, y]) => L.latLng(y, x));
  } else if (r.problem && r.kind === "point") {
    vertices = [map.getCenter()];
  }
  drawDraft();
  openForm();
  editing = r.uid;
  const f = form.elements;
  f.category.value = p.category;
  for (const name of ["visibility", "grade"]) {
    for (const radio of form.querySelectorAll(`input[name=${name}]`)) radio.checked = radio.value === p[name];
  }
  f.description.value = p.description || "";
  f.address.value = p.address || "";
  f.direction.value = p.direction || "";
  if (p.road) f.road.value = p.road;
  if (p.chainage) f.chainage.value = p.chainage;
  form.querySelector("[data-submit]").textContent = t("resend");
  showErrors((r.problem && r.problem.errors) || [{ field: "_", message: (r.problem && r.problem.detail) || "" }]);
}

// -- a 409: merge into one of the hazards nearby, or report it anyway ----------------------------------
function duplicateItem(d, checked) {
  const where = [d.road_code, d.chainage].filter(Boolean).join(" ");
  return el("li", {},
    el("label", {},
      el("input", { type: "radio", name: "duplicate_of", value: d.id, checked }),
      el("span", {},
        el("b", {}, d.ledger_no),
        el("small", {}, [label("status", d.status), where, t("dup_distance", { m: Math.round(d.distance_m) })]
          .filter(Boolean).join(" · ")))));
}

function closeDuplicates() {
  dupSheet.hidden = true;
  document.body.classList.remove("is-dup-open");
  map.invalidateSize();
}

function askAboutDuplicates(r) {
  closeOutbox();
  const problem = r.problem;
  const list = dupSheet.querySelector("[data-list]");
  list.replaceChildren(...problem.duplicates.map((d, i) => duplicateItem(d, i === 0)));
  dupSheet.querySelector("[data-title]").textContent = t("dup_title", { n: problem.duplicate_distance_m });
  dupSheet.hidden = false;
  document.body.classList.add("is-dup-open");
  map.invalidateSize();
  const base = r.url.split("?")[0];
  // The same uid goes again: the 409 recorded nothing.
  const decide = async (params) => {
    closeDuplicates();
    await outbox.resend(r.uid, { url: url(base, params) });
    await render();
    kick();
  };
  dupSheet.querySelector("[data-action=dup-create]").onclick = () => decide({ on_duplicate: "create" });
  dupSheet.querySelector("[data-action=dup-merge]").onclick = () => {
    const picked = list.querySelector("input:checked");
    decide({ on_duplicate: "merge", duplicate_of: picked.value });
  };
  dupSheet.querySelector("[data-action=dup-discard]").onclick = async () => {
    closeDuplicates();
    await outbox.removeReport(r.uid);
    render();
  };
}

function openOutbox() {
  closeForm();
  outboxSheet.hidden = false;
  document.body.classList.add("is-outbox-open");
  map.invalidateSize();
}

function closeOutbox() {
  outboxSheet.hidden = true;
  document.body.classList.remove("is-outbox-open");
  map.invalidateSize();
}

document.querySelector("[data-action=outbox]").addEventListener("click", () => (outboxSheet.hidden ? openOutbox() : closeOutbox()));
outboxSheet.querySelector("[data-action=close-outbox]").addEventListener("click", closeOutbox);
outboxSheet.querySelector("[data-action=send-now]").addEventListener("click", kick);

// -- the map and the tools ----------------------------------------------------------------------------
map.on("click", (e) => add(e.latlng));
for (const b of document.querySelectorAll(".field-mode button")) b.addEventListener("click", () => setMode(b.dataset.mode));
segmentBar.querySelector("[data-action=undo]").addEventListener("click", () => { vertices.pop(); drawDraft(); });
segmentBar.querySelector("[data-action=done]").addEventListener("click", () => { if (vertices.length >= 2) openForm(); });

export function showPosition(latlng, accuracy) {
  here.clearLayers();
  L.circle(latlng, { radius: accuracy, color: "#1a73e8", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(here);
  L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#1a73e8", fillOpacity: 1, className: "field-me" }).addTo(here);
  const poor = accuracyIsPoor(accuracy, F.accuracy_warn_m);
  const m = Math.round(accuracy);
  accuracyNote.hidden = false;
  accuracyNote.classList.toggle("is-poor", poor);
  accuracyNote.textContent = poor ? t("accuracy_poor", { m, limit: F.accuracy_warn_m }) : t("accuracy", { m });
  // A poor fix shows where the phone thinks it is, but the pin is the officer's to place.
  me = poor ? null : latlng;
  map.setView(latlng, poor ? Math.min(Math.max(map.getZoom(), 13), 15) : Math.max(map.getZoom(), 16));
  pinHere.hidden = !me || !form.hidden;
  say("");
}
window.hmShowPosition = (lat, lon, accuracy) => showPosition(L.latLng(lat, lon), accuracy);

document.getElementById("field-locate").addEventListener("click", () => {
  if (!navigator.geolocation) {
    say(t("locate_failed"));
    return;
  }
  say(t("locating"));
  // The browser's position is WGS84 (as stored); only AMap/Tencent apps speak GCJ-02.
  navigator.geolocation.getCurrentPosition(
    (pos) => showPosition(L.latLng(pos.coords.latitude, pos.coords.longitude), pos.coords.accuracy),
    () => say(t("locate_failed")),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
  );
});
pinHere.addEventListener("click", () => { if (me) add(me); });

async function loadNearby() {
  if (onlineRoads) onlineRoads.load().catch(() => {});
  if (map.getZoom() < NEARBY_ZOOM || !navigator.onLine) {
    nearby.clearLayers();
    mapNode.dataset.state = "ready";
    return;
  }
  try {
    const data = await getJSON(config.api.hazards, { bbox: bboxParam(map.getBounds()), limit: 300 });
    nearby.clearLayers();
    for (const f of data.features) {
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], { icon: pinIcon(f.properties) }).bindPopup(() => popupContent(f.properties)).addTo(nearby);
    }
  } catch { /* the nearby pins are a help, not a must */ }
  mapNode.dataset.state = "ready";
}
map.on("moveend", debounce(loadNearby, 300));

// -- start ---------------------------------------------------------------------------------------------
window.addEventListener("online", kick);
window.addEventListener("offline", () => { netBadge.hidden = false; });
outbox.onOutboxChange(render);

if ("serviceWorker" in navigator) {
  // Needs a secure context (HTTPS, or localhost): on a plain-http intranet address the page still
  // keeps its outbox, but cannot open without a network.
  navigator.serviceWorker.register(F.service_worker, { scope: F.scope, type: "module" })
    .then(() => { document.body.dataset.sw = "registered"; })
    .catch(() => { document.body.dataset.sw = "unavailable"; });
  navigator.serviceWorker.addEventListener("message", (e) => { if (e.data && e.data.type === "outbox") render(); });
}

(async () => {
  netBadge.hidden = navigator.onLine;
  // The worker and other tabs send with the session's CSRF token, kept beside the outbox.
  if (config.csrf_token) await outbox.setMeta("csrf_token", config.csrf_token).catch(() => {});
  await outbox.pruneSent().catch(() => {});
  await loadArea();
  await render();
  loadNearby();
  document.body.dataset.ready = "true";
  kick();
})();
