// The field page: pin a hazard (or tap along a road for a segment), describe it, send it — once.
/* global L */
import {
  addOutlines, bboxParam, boundsOf, config, createMap, debounce, el, getJSON, label, newUuid, pinIcon,
  popupContent, RoadLayer, segmentStyle, t, todayInBeijing, toLogin, url, writeHeaders,
} from "./common.js";

const PENDING_KEY = "hm-field-pending";
// After a network failure the same submission is sent again by itself, then by the officer's button.
const RETRY_DELAYS_MS = [1500, 4000];
const NEARBY_ZOOM = 13;

const form = document.getElementById("field-form");
const hint = document.getElementById("field-hint");
const segmentBar = document.getElementById("field-segment");
const pinHere = document.getElementById("field-pin-here");
const status = document.getElementById("field-status");
const mapNode = document.getElementById("field-map");
const dupSheet = document.getElementById("field-duplicates");
const photosPanel = document.getElementById("field-photos");
const photoInput = document.getElementById("field-photo-input");
const photoList = photosPanel.querySelector(".field-photo-list");

const map = createMap("field-map", { minZoom: 7, maxZoom: 19 });
map.fitBounds(boundsOf(config.city.bbox));
// Top left: on a phone the attribution takes the whole bottom line.
L.control.scale({ metric: true, imperial: false, position: "topleft" }).addTo(map);
window.hmMap = map; // for the browser tests and for a person at the console
addOutlines(map, null).catch(() => {});
const roads = new RoadLayer(map);
const nearby = L.layerGroup().addTo(map);
const mine = L.layerGroup().addTo(map);
const draftLayer = L.layerGroup().addTo(map);

let mode = "point";
let vertices = [];
let me = null; // the officer's position, once located
let sending = false;
// Photos chosen in the form wait for the hazard's id; then they go to the last report recorded.
let queuedPhotos = [];
let photoTarget = null; // the photos URL of the hazard last recorded
let photoChain = Promise.resolve();

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
  if (!form.hidden || !dupSheet.hidden || sending) return;
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
}

function closeForm() {
  form.hidden = true;
  hint.hidden = false;
  pinHere.hidden = !me;
  document.body.classList.remove("is-form-open");
  map.invalidateSize();
}

function usualVisibility() {
  const usual = config.usual_visibility[form.elements.category.value];
  for (const radio of form.querySelectorAll("input[name=visibility]")) radio.checked = radio.value === usual;
}

function geometry() {
  const lonLat = (ll) => [Number(ll.lng.toFixed(7)), Number(ll.lat.toFixed(7))];
  return mode === "point"
    ? { type: "Point", coordinates: lonLat(vertices[0]) }
    : { type: "LineString", coordinates: vertices.map(lonLat) };
}

// The uid is made once per submission and kept with it: every retry, automatic or by hand and even
// after a reload, sends the same uid, and the API answers a repeat with the hazard it already made.
function submission() {
  const f = form.elements;
  const properties = {
    uid: newUuid(),
    category: f.category.value,
    visibility: form.querySelector("input[name=visibility]:checked").value,
    grade: form.querySelector("input[name=grade]:checked").value,
    description: f.description.value.trim(),
  };
  if (f.address.value.trim()) properties.address = f.address.value.trim();
  return {
    url: mode === "point" ? config.api.hazards : config.api.segments,
    body: { type: "Feature", geometry: geometry(), properties },
  };
}

// -- sending -----------------------------------------------------------------------------------------
function say(text, { retry = false, discard = false } = {}) {
  status.hidden = !text;
  status.querySelector("[data-text]").textContent = text || "";
  status.querySelector("[data-action=retry]").hidden = !retry;
  status.querySelector("[data-action=discard]").hidden = !discard;
}

function remember(entry) {
  try { localStorage.setItem(PENDING_KEY, JSON.stringify(entry)); } catch { /* private mode: memory only */ }
}

function forget() {
  try { localStorage.removeItem(PENDING_KEY); } catch { /* nothing kept */ }
}

function pendingLayer(entry) {
  const g = entry.body.geometry;
  if (g.type === "Point") {
    return L.marker([g.coordinates[1], g.coordinates[0]], {
      icon: L.divIcon({ className: "hm-pin hm-open is-pending", iconSize: [16, 16] }),
    });
  }
  return L.polyline(g.coordinates.map(([x, y]) => [y, x]), { color: "#d7301f", weight: 8, opacity: 0.5 });
}

function showConfirmed(feature) {
  const p = feature.properties;
  const today = todayInBeijing();
  const layer = feature.geometry.type === "Point"
    ? L.marker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]],
      { icon: pinIcon(p, today, "is-new"), title: p.ledger_no })
    : L.geoJSON(feature, { style: segmentStyle(p, today) });
  layer.bindPopup(() => popupContent(p, today)).addTo(mine);
}

async function send(entry, shown, attempt = 0) {
  sending = true;
  say(attempt ? t("retrying", { n: attempt }) : t("sending"));
  let response = null;
  try {
    response = await fetch(entry.url, {
      method: "POST",
      headers: writeHeaders({ "Content-Type": "application/geo+json", Accept: "application/geo+json" }),
      body: JSON.stringify(entry.body),
    });
  } catch {
    response = null; // the network failed: the server may or may not have the hazard now
  }
  if (response === null || response.status >= 500) {
    if (attempt < RETRY_DELAYS_MS.length) {
      setTimeout(() => send(entry, shown, attempt + 1), RETRY_DELAYS_MS[attempt]);
      return;
    }
    sending = false;
    say(t("send_failed"), { retry: true, discard: true });
    return;
  }
  sending = false;
  if (response.status === 401) {
    toLogin(); // the pin stays in this phone's storage and is sent after the login
    return;
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    if (response.status === 409 && Array.isArray(problem.duplicates) && problem.duplicates.length) {
      say("");
      askAboutDuplicates(entry, shown, problem); // nothing was recorded; the officer decides
      return;
    }
    forget();
    mine.removeLayer(shown);
    say(t("refused", { detail: problem.detail || response.status }), { discard: false });
    return;
  }
  const feature = await response.json();
  forget();
  mine.removeLayer(shown);
  showConfirmed(feature);
  status.dataset.ledgerNo = feature.properties.ledger_no;
  status.dataset.uid = feature.properties.uid;
  say(entry.mergedInto
    ? t("merged", { of: entry.mergedInto, no: feature.properties.ledger_no })
    : t("sent", { no: feature.properties.ledger_no }));
  openPhotos(`${entry.url.split("?")[0]}/${feature.id}/photos`, feature.properties.ledger_no);
}

// -- possible duplicates (a 409): merge into one of them, or report it anyway ---------------------------
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

function askAboutDuplicates(entry, shown, problem) {
  const list = dupSheet.querySelector("[data-list]");
  list.replaceChildren(...problem.duplicates.map((d, i) => duplicateItem(d, i === 0)));
  dupSheet.querySelector("[data-title]").textContent = t("dup_title", { n: problem.duplicate_distance_m });
  dupSheet.hidden = false;
  document.body.classList.add("is-dup-open");
  map.invalidateSize();
  const base = entry.url.split("?")[0];
  // The same uid goes again: the 409 recorded nothing, and a lost answer to the resend is still a retry.
  const resend = (params, mergedInto = null) => {
    closeDuplicates();
    const next = { url: url(base, params), body: entry.body, mergedInto };
    remember(next);
    status.querySelector("[data-action=retry]").onclick = () => { if (!sending) send(next, shown); };
    send(next, shown);
  };
  dupSheet.querySelector("[data-action=dup-create]").onclick = () => resend({ on_duplicate: "create" });
  dupSheet.querySelector("[data-action=dup-merge]").onclick = () => {
    const picked = list.querySelector("input:checked");
    const kept = problem.duplicates.find((d) => String(d.id) === picked.value);
    resend({ on_duplicate: "merge", duplicate_of: kept.id }, kept.ledger_no);
  };
  dupSheet.querySelector("[data-action=dup-discard]").onclick = () => {
    closeDuplicates();
    forget();
    mine.removeLayer(shown);
    say("");
  };
}

// -- photos of the report just recorded ------------------------------------------------------------
function openPhotos(url, ledgerNo) {
  photoTarget = url;
  photoList.replaceChildren();
  photosPanel.querySelector("[data-title]").textContent = t("photos_of", { no: ledgerNo });
  photosPanel.hidden = false;
  const files = queuedPhotos;
  queuedPhotos = [];
  queuePhotos(files);
}

function queuePhotos(files) {
  for (const file of files) {
    const item = el(
      "li",
      { class: "field-photo", dataset: { state: "waiting" } },
      el("span", { class: "field-photo-name" }, file.name),
      el("progress", { max: 100, value: 0 }),
      el("span", { class: "field-photo-state" }, t("photo_uploading", { pct: 0 })),
    );
    photoList.append(item);
    const url = photoTarget;
    // One at a time: a phone's uplink is thin, and the first photo should arrive first.
    photoChain = photoChain.then(() => uploadPhoto(url, file, item));
  }
}

// XMLHttpRequest rather than fetch: only it reports the upload's progress.
function uploadPhoto(url, file, item) {
  const bar = item.querySelector("progress");
  const state = item.querySelector(".field-photo-state");
  item.dataset.state = "uploading";
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.responseType = "json";
    // The session's CSRF token, as every write from the pages carries it.
    for (const [name, value] of Object.entries(writeHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((100 * e.loaded) / e.total);
      bar.value = pct;
      state.textContent = t("photo_uploading", { pct });
    };
    const failed = (detail) => {
      item.dataset.state = "failed";
      state.textContent = t("photo_failed", { detail });
      const again = el("button", { type: "button", class: "field-photo-retry" }, t("photo_retry"));
      again.onclick = () => {
        again.remove();
        photoChain = photoChain.then(() => uploadPhoto(url, file, item));
      };
      item.append(again);
      resolve();
    };
    xhr.onload = () => {
      const body = xhr.response || {};
      if (xhr.status !== 201) {
        failed(body.detail || xhr.status);
        return;
      }
      const preview = (body.links || []).find((l) => l.rel === "preview");
      item.dataset.state = "done";
      item.dataset.photoId = String(body.id);
      bar.replaceWith(el("img", { class: "field-photo-thumb", src: preview ? preview.href : "", alt: file.name }));
      state.textContent = t("photo_done");
      resolve();
    };
    xhr.onerror = () => failed(t("send_failed"));
    const data = new FormData();
    data.append("file", file);
    data.append("stage", "report");
    xhr.send(data);
  });
}

photoInput.addEventListener("change", () => {
  if (photoTarget) queuePhotos([...photoInput.files]);
  photoInput.value = "";
});

function start(entry) {
  remember(entry);
  const shown = pendingLayer(entry).addTo(mine); // the new pin shows at once, confirmed when the API answers
  status.querySelector("[data-action=retry]").onclick = () => { if (!sending) send(entry, shown); };
  status.querySelector("[data-action=discard]").onclick = () => {
    forget();
    mine.removeLayer(shown);
    say("");
  };
  send(entry, shown);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (sending || vertices.length === 0) return;
  const entry = submission();
  queuedPhotos = [...form.elements.photos.files];
  photosPanel.hidden = true;
  closeForm();
  vertices = [];
  drawDraft();
  form.reset();
  usualVisibility();
  start(entry);
});

form.querySelector("[data-action=cancel]").addEventListener("click", () => {
  closeForm();
  vertices = [];
  drawDraft();
});
form.elements.category.addEventListener("change", usualVisibility);

// -- the map and the tools ----------------------------------------------------------------------------
map.on("click", (e) => add(e.latlng));
for (const b of document.querySelectorAll(".field-mode button")) b.addEventListener("click", () => setMode(b.dataset.mode));
segmentBar.querySelector("[data-action=undo]").addEventListener("click", () => { vertices.pop(); drawDraft(); });
segmentBar.querySelector("[data-action=done]").addEventListener("click", () => { if (vertices.length >= 2) openForm(); });

const here = L.layerGroup().addTo(map);
document.getElementById("field-locate").addEventListener("click", () => {
  if (!navigator.geolocation) {
    say(t("locate_failed"));
    return;
  }
  say(t("locating"));
  // The browser's position is WGS84 (as stored); only AMap/Tencent apps speak GCJ-02.
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      me = L.latLng(pos.coords.latitude, pos.coords.longitude);
      here.clearLayers();
      L.circle(me, { radius: pos.coords.accuracy, color: "#1a73e8", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(here);
      L.circleMarker(me, { radius: 7, color: "#fff", weight: 2, fillColor: "#1a73e8", fillOpacity: 1, className: "field-me" }).addTo(here);
      map.setView(me, Math.max(map.getZoom(), 16));
      pinHere.hidden = !form.hidden;
      say("");
    },
    () => say(t("locate_failed")),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
  );
});
pinHere.addEventListener("click", () => { if (me) add(me); });

async function loadNearby() {
  roads.load().catch(() => {});
  if (map.getZoom() < NEARBY_ZOOM) {
    nearby.clearLayers();
    mapNode.dataset.state = "ready";
    return;
  }
  try {
    const data = await getJSON(config.api.hazards, { bbox: bboxParam(map.getBounds()), limit: 300 });
    const today = todayInBeijing();
    nearby.clearLayers();
    for (const f of data.features) {
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], { icon: pinIcon(f.properties, today) }).bindPopup(() => popupContent(f.properties, today)).addTo(nearby);
    }
  } catch { /* the nearby pins are a help, not a must */ }
  mapNode.dataset.state = "ready";
}
map.on("moveend", debounce(loadNearby, 300));
loadNearby();
usualVisibility();

// A submission that never got an answer (the page was closed or reloaded): offer to send it again.
try {
  const pending = JSON.parse(localStorage.getItem(PENDING_KEY) || "null");
  if (pending && pending.body && pending.url) {
    const shown = pendingLayer(pending).addTo(mine);
    say(t("pending_draft"), { retry: true, discard: true });
    status.querySelector("[data-action=retry]").onclick = () => { if (!sending) send(pending, shown); };
    status.querySelector("[data-action=discard]").onclick = () => { forget(); mine.removeLayer(shown); say(""); };
  }
} catch { /* nothing kept */ }

