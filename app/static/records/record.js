// The record page (一点一档): the small map, the photo viewer, and the workflow's forms. Each form posts
// to the API (transitions with If-Match, photos as multipart) with the session's CSRF token; a refusal is
// shown as the API's sentence next to the field it names, and the page reloads only after a success.
/* global L */
import { problemOf } from "../http.js";
import { config, service } from "../maps/common.js";

const w = config.w;

// -- the small map: the hazard (or segment) on its road --------------------------------------------------
function drawMap() {
  const box = document.getElementById("wb-map");
  if (!box || typeof L === "undefined") return;
  const map = L.map(box, { zoomControl: !config.printing, attributionControl: false, scrollWheelZoom: false });
  const layers = [];
  if (config.road_geometry) {
    layers.push(L.geoJSON(config.road_geometry, { style: { color: "#c55a11", weight: 5, opacity: 0.8 } }));
  }
  const shape = L.geoJSON(config.geometry, {
    style: { color: "#d7301f", weight: 9, opacity: 0.9 },
    pointToLayer: (_, latlng) =>
      L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#d7301f", fillOpacity: 1 }),
  });
  layers.push(shape);
  for (const layer of layers) layer.addTo(map);
  const bounds = shape.getBounds();
  if (config.kind === "segment") map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  else map.setView(bounds.getCenter(), 15);
  box.dataset.state = "ready";
}

// -- the photo viewer: the full-size image in a dialog ---------------------------------------------------
function photoViewer() {
  const dialog = document.getElementById("wb-photo-view");
  if (!dialog || config.printing) return;
  for (const link of document.querySelectorAll("a.wb-photo")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      document.getElementById("wb-photo-img").src = link.href;
      document.getElementById("wb-photo-full").href = link.href;
      dialog.showModal();
    });
  }
}

// -- the forms --------------------------------------------------------------------------------------------
function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
}

function showError(form, field, message) {
  const target = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`) || form.querySelector('[data-error-for="_"]');
  target.textContent = target.textContent ? `${target.textContent} ${message}` : message;
}

// problem+json: the sentence next to the field it names ("errors": [{field, message}]), else at the form's foot.
function showProblem(form, status, problem, prefix = "") {
  if (status === 412) {
    showError(form, "_", prefix + w.stale);
    return;
  }
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const placed = errors.filter((e) => form.querySelector(`[data-error-for="${CSS.escape(String(e.field))}"]`));
  for (const e of placed) showError(form, String(e.field), w.refused + e.message);
  if (placed.length === 0 || prefix) showError(form, "_", prefix + w.refused + (problem.detail || problem.title || status));
}

function value(form, name) {
  const input = form.elements.namedItem(name);
  if (!input || !("value" in input)) return null;
  const v = input.value.trim();
  return v === "" ? null : v;
}

// Photos already uploaded by an earlier attempt of this form: kept, never sent twice.
const uploaded = { before: [], after: [] };

async function uploadPhotos(form, status) {
  const files = [];
  for (const stage of ["before", "after"]) {
    const input = form.elements.namedItem(stage);
    if (input && input.files && uploaded[stage].length === 0) for (const f of input.files) files.push([stage, f]);
  }
  let i = 0;
  for (const [stage, file] of files) {
    i += 1;
    status.textContent = w.uploading.replace("{i}", i).replace("{n}", files.length);
    const body = new FormData();
    body.append("file", file);
    body.append("stage", stage);
    const response = await service.send(config.api.photos, { method: "POST", body });
    if (!response.ok) {
      const problem = await problemOf(response);
      showError(form, stage, `${file.name}: ${problem.detail || response.status}`);
      return null;
    }
    uploaded[stage].push((await response.json()).id);
  }
  return [...uploaded.before, ...uploaded.after];
}

async function resolveLedgerNo(form, number) {
  const response = await service.send(config.api.search, { params: { q: number } });
  if (!response.ok) {
    showProblem(form, response.status, await problemOf(response));
    return null;
  }
  const found = await response.json();
  const hit = found.results.find((r) => r.ledger_no.toUpperCase() === number.toUpperCase());
  if (!hit) showError(form, "of", w.no_such_no.replace("{no}", number));
  return hit ? hit.id : null;
}

// The answer may come before its transaction is visible to the next request: wait (briefly) until the
// hazard reads back at the version just written, so that the reloaded page shows it.
async function committed(etag) {
  if (!etag) return;
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const r = await service.send(config.api.feature, { accept: "application/geo+json", cache: "no-store", login: false });
    if (r.headers.get("ETag") === etag) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const FIELDS = {
  claim: ["name", "post", "unit", "note"],
  start: ["measures", "interim_measures", "deadline", "note"],
  rectify: ["evidence", "note"],
  close: ["verifier", "verification", "note"],
  reject: ["reason"],
  duplicate: ["note"],
  reopen: ["reason", "deadline"],
  list: ["level", "reason"],
  delist: ["note"],
};

async function submit(form) {
  const action = form.dataset.action;
  const button = form.querySelector(".wb-submit");
  const status = form.querySelector('[data-error-for="_"]');
  clearErrors(form);
  const body = { action };
  for (const name of FIELDS[action]) {
    const v = value(form, name);
    if (v !== null) body[name] = v;
  }
  button.disabled = true;
  try {
    if (action === "duplicate") {
      const number = value(form, "of");
      if (number === null) body.of = null;
      else {
        const id = await resolveLedgerNo(form, number);
        if (id === null) return;
        body.of = id;
      }
    }
    let photos = [];
    if (action === "rectify") {
      // The notes first: a rectification refused for want of them would leave the photos behind.
      if (!body.evidence) {
        showError(form, "evidence", w.evidence_first);
        return;
      }
      const ids = await uploadPhotos(form, status);
      if (ids === null) return;
      photos = ids;
      // Photos uploaded earlier (a refused attempt, or from the API) that the officer kept ticked.
      const kept = [...form.querySelectorAll("input[name=photo]:checked")].map((c) => Number(c.value));
      const evidence = [...new Set([...kept, ...photos])];
      if (evidence.length) body.photos = evidence;
    }
    status.textContent = w.sending;
    const response = await service.send(config.api.transitions, {
      method: "POST", json: body, accept: "application/geo+json", headers: { "If-Match": config.etag },
    });
    status.textContent = "";
    if (response.ok) {
      await committed(response.headers.get("ETag"));
      window.location.reload();
      return;
    }
    const prefix = photos.length ? w.photos_kept.replace("{n}", photos.length) : "";
    showProblem(form, response.status, await problemOf(response), prefix);
  } catch (error) {
    status.textContent = w.network;
    console.error(error);
  } finally {
    button.disabled = false;
  }
}

function forms() {
  const buttons = document.querySelectorAll("button.wb-action");
  const all = document.querySelectorAll("form.wb-form");
  for (const button of buttons) {
    button.addEventListener("click", () => {
      for (const form of all) {
        const mine = form.dataset.action === button.dataset.action;
        form.hidden = !mine || !form.hidden;
        if (!form.hidden) form.querySelector("input, textarea, select")?.focus();
      }
      for (const b of buttons) b.setAttribute("aria-expanded", String(b === button && !document.querySelector(`form.wb-form[data-action="${b.dataset.action}"]`).hidden));
    });
  }
  for (const form of all) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form);
    });
    form.querySelector(".wb-cancel").addEventListener("click", () => {
      form.hidden = true;
      clearErrors(form);
    });
  }
}

drawMap();
photoViewer();
forms();
document.getElementById("wb-do-print")?.addEventListener("click", () => window.print());
