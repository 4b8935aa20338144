// The navigation's bell: the unread count the page was drawn with (no request at load), kept current on a
// page left open — every minute while the tab is visible, and at once when it becomes visible again or is
// shown from the back-forward cache. One small indexed count per refresh; a failed one is left for the next.
// Other scripts (the notifications page) announce a change with the "hm:unread" event, detail = the count.
import { requestInit } from "../http.js";

const REFRESH_MS = 60_000;
const bell = document.querySelector("[data-bell]");

function show(n) {
  const badge = bell.querySelector("[data-unread]");
  const cap = Number(bell.dataset.cap);
  const shown = n > cap ? `${cap}+` : String(n);
  badge.textContent = shown;
  badge.hidden = n === 0;
  bell.setAttribute("aria-label", n ? bell.dataset.labelUnread.replace("{n}", shown) : bell.dataset.label);
}

async function refresh() {
  try {
    const response = await fetch(bell.dataset.unreadUrl, requestInit({ cache: "no-store" }));
    if (response.ok) show((await response.json()).unread);
  } catch { /* offline for a moment: the next refresh tries again */ }
}

if (bell) {
  setInterval(() => { if (document.visibilityState === "visible") refresh(); }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") refresh(); });
  window.addEventListener("pageshow", (event) => { if (event.persisted) refresh(); });
  window.addEventListener("hm:unread", (event) => show(event.detail));
}
