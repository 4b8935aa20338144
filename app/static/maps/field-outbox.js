// The field app's outbox: every report an officer makes is kept in this phone's IndexedDB, with its
// photos as blobs, until the service has it. It survives a reload, closing the browser and a restart
// of the phone; it is sent oldest first, each report exactly once: its uid makes a resent POST answer
// with the hazard already made, and a resent photo of the same bytes answers with the photo already
// there. One sender at a time (a Web Lock), whether a tab or the service worker sends.
//
// No DOM here: the page and the service worker (Background Sync) both import this module.

import { problemOf, Service } from "../http.js";

const DB_NAME = "hazardmap-field";
const DB_VERSION = 1;
const REPORTS = "reports";
const META = "meta";
const LOCK = "hazardmap-field-outbox";
const CHANNEL = "hazardmap-field";
// Sent reports stay in "我的上报" this long, then leave the phone.
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

// The states a report goes through; the page shows each in words.
export const WAITING = "waiting"; // kept here, to be sent
export const SENDING = "sending"; // its hazard or photos on the way
export const SENT = "sent"; // the service has it and its photos
export const ATTENTION = "attention"; // the service answered with a question (409) or a refusal (422…)

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(REPORTS)) {
          db.createObjectStore(REPORTS, { keyPath: "uid" }).createIndex("created", "created");
        }
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("the outbox database is blocked by another tab"));
    });
  }
  return dbPromise;
}

async function run(store, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    let result;
    Promise.resolve(work(tx.objectStore(store))).then((r) => { result = r; }, reject);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("aborted"));
  });
}

const req = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

function announce() {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage({ type: "outbox" });
    channel.close();
  } catch { /* an old browser: each page still renders its own changes */ }
}

// Tell this page when another tab, or the service worker, changed the outbox.
export function onOutboxChange(callback) {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e) => { if (e.data && e.data.type === "outbox") callback(); };
  } catch { /* no BroadcastChannel */ }
}

export async function getMeta(key) {
  return run(META, "readonly", (s) => req(s.get(key)));
}

export async function setMeta(key, value) {
  await run(META, "readwrite", (s) => req(s.put(value, key)));
}

export async function listReports() {
  const all = await run(REPORTS, "readonly", (s) => req(s.index("created").getAll()));
  return all || [];
}

export async function getReport(uid) {
  return run(REPORTS, "readonly", (s) => req(s.get(uid)));
}

export async function putReport(report) {
  await run(REPORTS, "readwrite", (s) => req(s.put(report)));
  announce();
}

export async function removeReport(uid) {
  await run(REPORTS, "readwrite", (s) => req(s.delete(uid)));
  announce();
}

// A new report: {uid, kind, url, body, photos: [{name, type, blob}]}; it waits to be sent.
export async function addReport(report) {
  const now = Date.now();
  await putReport({ ...report, created: now, state: WAITING, hazard: null, problem: null, tries: 0,
    photos: (report.photos || []).map((p) => ({ ...p, sent: false, error: null })) });
}

export async function pruneSent(now = Date.now()) {
  for (const r of await listReports()) {
    if (r.state === SENT && r.sent_at && now - r.sent_at > KEEP_SENT_MS) await removeReport(r.uid);
  }
}

// -- sending ----------------------------------------------------------------------------------------
// What stopped a flush: nothing, the network (or the service) is away, or the session ended.
export const DONE = "done";
export const OFFLINE = "offline";
export const LOGIN = "login";
export const BUSY = "busy";

// The session's CSRF token as the page last stored it: the service worker sends without the page.
// A 401 is the outbox's to report (LOGIN), not a reason to leave the page.
const service = new Service({ csrf: () => getMeta("csrf_token") });

async function sendHazard(report) {
  let response;
  try {
    response = await service.send(report.url, {
      method: "POST", login: false, json: report.body, accept: "application/geo+json",
      headers: { "Content-Type": "application/geo+json" },
    });
  } catch {
    return OFFLINE; // the service may or may not have it now: the same uid goes again
  }
  if (response.status === 401) return LOGIN;
  if (response.status >= 500 || response.status === 429) return OFFLINE;
  if (!response.ok) {
    report.state = ATTENTION;
    report.problem = await problemOf(response);
    await putReport(report);
    return DONE;
  }
  const feature = await response.json();
  const p = feature.properties || {};
  report.hazard = { id: feature.id, ledger_no: p.ledger_no, road_code: p.road_code || null,
    chainage: p.chainage || null, photos_url: `${report.url.split("?")[0]}/${feature.id}/photos` };
  report.problem = null;
  await putReport(report);
  return DONE;
}

async function sendPhoto(report, photo) {
  const data = new FormData();
  data.append("file", photo.blob, photo.name || "photo.jpg");
  data.append("stage", "report");
  let response;
  try {
    response = await service.send(report.hazard.photos_url, { method: "POST", login: false, body: data });
  } catch {
    return OFFLINE;
  }
  if (response.status === 401) return LOGIN;
  if (response.status >= 500 || response.status === 429) return OFFLINE;
  if (response.ok) {
    const body = await response.json();
    photo.sent = true;
    photo.id = body.id;
    photo.blob = null; // the service keeps it now; the phone's storage is small
  } else {
    // A photo the service refuses (not an image, too large) will not be better the next time.
    photo.error = (await problemOf(response)).detail || String(response.status);
  }
  await putReport(report);
  return DONE;
}

async function sendOne(report) {
  report.state = SENDING;
  report.tries = (report.tries || 0) + 1;
  await putReport(report);
  if (!report.hazard) {
    const outcome = await sendHazard(report);
    if (outcome !== DONE || report.state === ATTENTION) {
      if (outcome !== DONE) { report.state = WAITING; await putReport(report); }
      return outcome;
    }
  }
  for (const photo of report.photos) {
    if (photo.sent || photo.error) continue;
    const outcome = await sendPhoto(report, photo);
    if (outcome !== DONE) { report.state = WAITING; await putReport(report); return outcome; }
  }
  report.state = SENT;
  report.sent_at = Date.now();
  await putReport(report);
  return DONE;
}

async function sendAll() {
  for (const report of await listReports()) {
    if (report.state !== WAITING && report.state !== SENDING) continue;
    const outcome = await sendOne(report);
    if (outcome !== DONE) return outcome; // oldest first: the rest wait behind it
  }
  return DONE;
}

// Send what waits. Only one sender across the tabs and the worker: the others return BUSY at once.
export async function flush() {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? sendAll() : BUSY));
  }
  return sendAll();
}

// The officer answered a question or fixed a refusal: the report waits to be sent again, with the same
// uid (a 409 or 422 recorded nothing).
export async function resend(uid, changes = {}) {
  const report = await getReport(uid);
  if (!report) return;
  Object.assign(report, changes, { state: WAITING, problem: null });
  await putReport(report);
}

export function pendingCount(reports) {
  return reports.filter((r) => r.state !== SENT).length;
}
