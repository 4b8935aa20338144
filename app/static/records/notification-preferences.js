// The notification settings page: send the choices and the address (PUT /api/v1/notifications/preferences),
// show the service's answer (a refused address: its problem's detail).
import { Service, loginUrl } from "../http.js";

const config = JSON.parse(document.getElementById("hm-config").textContent);
const form = document.getElementById("np-form");
const status = document.getElementById("np-status");
const service = new Service({
  csrf: config.csrf_token,
  onLogin: () => window.location.assign(loginUrl(config.root, window.location)),
});

function choices() {
  return [...form.querySelectorAll("tr[data-event]")].map((row) => {
    const item = { event: row.dataset.event };
    for (const channel of config.channels) {
      item[channel] = row.querySelector(`input[name="${row.dataset.event}:${channel}"]`).checked;
    }
    return item;
  });
}

function show(prefs) {
  form.elements.email.value = prefs.email || "";
  for (const item of prefs.events) {
    for (const channel of config.channels) {
      const box = form.querySelector(`input[name="${item.event}:${channel}"]`);
      if (box) box.checked = item[channel];
    }
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  status.dataset.state = "saving";
  try {
    const prefs = await service.json(config.api, {
      method: "PUT",
      params: { lang: config.lang },
      json: { email: form.elements.email.value.trim(), events: choices() },
    });
    show(prefs);
    status.textContent = config.words.saved;
    status.dataset.state = "saved";
  } catch (error) {
    status.textContent = config.words.failed.replace("{error}", error.message);
    status.dataset.state = "failed";
  }
});
form.dataset.state = "ready";
