// The notification centre (/notifications): mark one read (its button, or opening its link), or all.
// Each mark is the API's POST with the session's CSRF token; the page and the navigation's bell follow.
import { requestInit } from "../http.js";

const config = JSON.parse(document.getElementById("hm-config").textContent);
const w = config.w;
const status = document.getElementById("nf-status");
const summary = document.getElementById("nf-summary");
const markAll = document.getElementById("nf-mark-all");
let unread = config.unread;

function post(path, keepalive = false) {
  return fetch(path, { ...requestInit({ method: "POST", csrf: config.csrf_token }), keepalive });
}

function counted(n) {
  unread = Math.max(0, n);
  summary.textContent = w.nf_summary.replace("{n}", String(unread));
  markAll.disabled = unread === 0;
  window.dispatchEvent(new CustomEvent("hm:unread", { detail: unread }));
}

function shownRead(item) {
  if (!item.classList.contains("nf-unread")) return false;
  item.classList.remove("nf-unread");
  item.querySelector(".nf-state").textContent = w.nf_read;
  item.querySelector("[data-mark]")?.remove();
  return true;
}

async function markOne(item, keepalive = false) {
  const response = await post(`${config.api}/${item.dataset.id}/read`, keepalive);
  if (!response.ok) throw new Error(String(response.status));
  if (shownRead(item)) counted(unread - 1);
}

for (const item of document.querySelectorAll(".nf-item")) {
  item.querySelector("[data-mark]")?.addEventListener("click", () => {
    status.textContent = "";
    markOne(item).catch(() => { status.textContent = w.nf_failed; });
  });
  // Opening an unread one marks it read first, so that the record page's bell already counts it; opened
  // in another tab (a modifier key), the mark goes along by itself (keepalive).
  const link = item.querySelector("[data-open]");
  link?.addEventListener("click", (event) => {
    if (!item.classList.contains("nf-unread")) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      markOne(item, true).catch(() => {});
      return;
    }
    event.preventDefault();
    markOne(item).catch(() => {}).finally(() => { window.location.assign(link.href); });
  });
}

markAll.addEventListener("click", async () => {
  status.textContent = "";
  markAll.disabled = true;
  try {
    const response = await post(`${config.api}/read`);
    if (!response.ok) throw new Error(String(response.status));
    for (const item of document.querySelectorAll(".nf-item")) shownRead(item);
    counted(0);
    status.textContent = w.nf_marked_all;
  } catch {
    markAll.disabled = unread === 0;
    status.textContent = w.nf_failed;
  }
});
