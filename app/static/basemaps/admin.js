// The base-map page: choose the default (PUT /api/v1/basemaps/default) and preview each base map.
/* global L */
import { addBaseMaps, crsOf } from "./basemaps.js";

const config = JSON.parse(document.getElementById("hm-config").textContent);
const form = document.getElementById("bm-form");
const status = document.getElementById("bm-status");
const node = document.getElementById("bm-map");

function preview(name) {
  const choice = config.basemaps.choices.find((c) => c.name === name);
  // A new map per preview: a GCJ-02 base map needs a map in its own CRS.
  if (node._map) node._map.remove();
  const map = L.map(node, { zoomSnap: 0.5, attributionControl: false, crs: crsOf(choice) });
  node._map = map;
  L.control.attribution({ prefix: false }).addTo(map);
  addBaseMaps(map, { choices: [choice], default: name }, "admin-preview", config.root, { switcher: false });
  // The city's outline over it: where the base map puts the service's own layers.
  const outline = L.geoJSON(cityOutline, { style: { color: "#1f4e79", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
  else map.setView([0, 0], 2);
}

form.addEventListener("change", (e) => {
  if (e.target.name === "default") preview(e.target.value);
});

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = new FormData(form).get("default");
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (config.csrf_token) headers["X-CSRF-Token"] = config.csrf_token;
  try {
    const response = await fetch(config.api, { method: "PUT", headers, body: JSON.stringify({ name }) });
    if (response.status === 401) {
      window.location.assign(`${config.root}/login?${new URLSearchParams({ next: window.location.pathname })}`);
      return;
    }
    if (!response.ok) throw new Error((await response.json()).detail || response.status);
    status.textContent = config.words.saved.replace("{name}", name);
    status.dataset.state = "saved";
  } catch (error) {
    status.textContent = config.words.failed.replace("{error}", error.message);
    status.dataset.state = "failed";
  }
});

let cityOutline = null;
try {
  const response = await fetch(config.outline, { headers: { Accept: "application/geo+json" } });
  if (response.ok) cityOutline = await response.json();
} catch {
  /* the preview without the outline */
}
preview(new FormData(form).get("default"));
node.dataset.state = "ready";
