// The OGC API's HTML pages: the features of the page (from the page's JSON config) on a small
// Leaflet map, fitted to them. Coordinates arrive as lon/lat whatever the answer's CRS.
/* global L */
import { addBaseMaps, chosen, crsOf } from "../basemaps/basemaps.js";

const config = JSON.parse(document.getElementById("hm-config").textContent);
const element = document.getElementById("hm-ogc-map");
const basemaps = config.basemaps || { choices: [], default: "blank" };
const map = L.map(element, {
  zoomSnap: 0.5,
  attributionControl: false,
  crs: crsOf(basemaps.choices.length ? chosen(basemaps, "ogc") : null),
});
L.control.attribution({ prefix: false }).addTo(map);
if (basemaps.choices.length) addBaseMaps(map, basemaps, "ogc", config.root || "", { switcher: false });
const layer = L.geoJSON(config.features, {
  style: { color: "#c0392b", weight: 3 },
  pointToLayer: (feature, latlng) =>
    L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1.5, fillColor: "#c0392b", fillOpacity: 0.9 }),
  onEachFeature: (feature, featureLayer) => featureLayer.bindTooltip(String(feature.id)),
}).addTo(map);
const bounds = layer.getBounds();
if (bounds.isValid()) {
  map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
} else {
  map.setView([36.45, 115.98], 9); // Liaocheng, when the page has nothing to show
}
element.dataset.features = String(layer.getLayers().length);
element.dataset.state = "ready";
