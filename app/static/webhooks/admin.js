// The webhook page: add a subscription, test-send, enable/disable, delete (the /api/v1/webhooks API).
const config = JSON.parse(document.getElementById("hm-config").textContent);
const words = config.words;
const status = document.getElementById("wh-status");
const FLASH = "hazardmap.webhooks.flash";

function say(text, state) {
  status.textContent = text;
  status.dataset.state = state;
}

// A message that outlives the reload that shows the change.
function reloadWith(text, state) {
  sessionStorage.setItem(FLASH, JSON.stringify({ text, state }));
  window.location.reload();
}

const flash = sessionStorage.getItem(FLASH);
if (flash) {
  sessionStorage.removeItem(FLASH);
  const { text, state } = JSON.parse(flash);
  say(text, state);
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (config.csrf_token) headers["X-CSRF-Token"] = config.csrf_token;
  const response = await fetch(`${config.api}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    window.location.assign(`${config.root}/login?${new URLSearchParams({ next: window.location.pathname })}`);
    return null;
  }
  if (response.status === 204) return {};
  const answer = await response.json();
  if (!response.ok) {
    const fields = (answer.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    throw new Error(fields || answer.detail || String(response.status));
  }
  return answer;
}

const form = document.getElementById("wh-form");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(form);
  const body = {
    name: data.get("name"),
    url: data.get("url"),
    format: data.get("format"),
    events: data.getAll("events"),
    counties: data.getAll("counties"),
    enabled: data.get("enabled") === "on",
  };
  if (data.get("secret")) body.secret = data.get("secret");
  try {
    if (await call("POST", "", body)) reloadWith(words.done, "ok");
  } catch (error) {
    say(words.failed.replace("{error}", error.message), "failed");
  }
});

const table = document.getElementById("wh-subscriptions");
if (table) {
  table.addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const id = row.dataset.id;
    const action = button.dataset.action;
    button.disabled = true;
    try {
      if (action === "test") {
        const entry = await call("POST", `/${id}/test`);
        if (!entry) return;
        const ok = entry.state === "delivered";
        const text = ok
          ? words.tested_ok.replace("{status}", entry.last_status)
          : words.tested_failed.replace("{error}", entry.last_error || entry.last_status);
        reloadWith(text, ok ? "ok" : "failed");
      } else if (action === "delete") {
        if (!window.confirm(words.confirm_delete.replace("{name}", row.dataset.name))) return;
        if (await call("DELETE", `/${id}`)) reloadWith(words.done, "ok");
      } else {
        if (await call("PATCH", `/${id}`, { enabled: action === "enable" })) reloadWith(words.done, "ok");
      }
    } catch (error) {
      say(words.failed.replace("{error}", error.message), "failed");
    } finally {
      button.disabled = false;
    }
  });
}
