// Base maps under the service's own layers: the configured tile servers and the offline packages,
// with a layer switcher whose choice each browser keeps per page.
//
// AMap/Tencent-style tiles are drawn in GCJ-02. The map then uses a CRS whose projection shifts
// WGS84 into GCJ-02 before Web Mercator: every overlay (points, segments, outlines, roads,
// clusters) keeps its WGS84 coordinates and is drawn where the tiles show the place, and every
// click, drag or getCenter() gives WGS84 back (the inverse, iterated to below a millimetre).
// So nothing the pages send is ever in GCJ-02.
/* global L */
import gcoord from "../vendor/gcoord/gcoord.esm-browser.prod.js";

const STORE = "hm-basemap:";

export function wgsToGcj(lat, lng) {
  const [x, y] = gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02);
  return [y, x];
}

export function gcjToWgs(lat, lng) {
  const [x, y] = gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84);
  return [y, x];
}

const mercator = L.Projection.SphericalMercator;

export const GCJ02 = L.Util.extend({}, L.CRS.EPSG3857, {
  code: "GCJ02",
  projection: {
    bounds: mercator.bounds,
    project(latlng) {
      const [lat, lng] = wgsToGcj(latlng.lat, latlng.lng);
      return mercator.project(L.latLng(lat, lng));
    },
    unproject(point) {
      const shifted = mercator.unproject(point);
      const [lat, lng] = gcjToWgs(shifted.lat, shifted.lng);
      return L.latLng(lat, lng);
    },
  },
});

export function crsOf(choice) {
  return choice && choice.crs === "gcj02" ? GCJ02 : L.CRS.EPSG3857;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // private mode, or storage refused: the default every time
  }
}

// ?basemap=NAME, else what this browser chose on this page before, else the administrator's default.
export function chosen(cfg, page) {
  const names = new Set(cfg.choices.map((c) => c.name));
  const asked = new URLSearchParams(window.location.search).get("basemap");
  const kept = storage()?.getItem(STORE + page);
  const name = [asked, kept, cfg.default].find((n) => n && names.has(n)) || "blank";
  return cfg.choices.find((c) => c.name === name);
}

let protomaps = null;
function loadProtomaps(root) {
  if (!protomaps) {
    protomaps = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${root}/static/vendor/protomaps-leaflet/protomaps-leaflet.js`;
      script.onload = () => resolve(window.protomapsL);
      script.onerror = () => reject(new Error("protomaps-leaflet did not load"));
      document.head.append(script);
    });
  }
  return protomaps;
}

// A package in the Protomaps basemap schema gets its own style; any other vector package a plain
// one: land-use and water as fills, lines grey, points small.
function vectorLayer(P, choice) {
  const layer = choice.layers[0];
  const options = {
    url: layer.url,
    maxDataZoom: layer.max_native_zoom,
    attribution: choice.attribution,
    pane: "tilePane",
  };
  const names = new Set(choice.vector_layers || []);
  if (names.has("earth") && names.has("roads")) {
    return P.leafletLayer({ ...options, flavor: "light", lang: "zh" });
  }
  const water = (n) => /water|ocean|sea|lake|river/i.test(n);
  const paintRules = [];
  for (const name of choice.vector_layers || []) {
    paintRules.push(
      {
        dataLayer: name,
        symbolizer: new P.PolygonSymbolizer({ fill: water(name) ? "#b7d3ea" : "#e6e2d8", opacity: 0.9 }),
        filter: (z, f) => f.geomType === P.GeomType.Polygon,
      },
      {
        dataLayer: name,
        symbolizer: new P.LineSymbolizer({ color: water(name) ? "#8fb5d6" : "#b9b4aa", width: 1.2 }),
        filter: (z, f) => f.geomType === P.GeomType.Line,
      },
      {
        dataLayer: name,
        symbolizer: new P.CircleSymbolizer({ radius: 2, fill: "#9a9488" }),
        filter: (z, f) => f.geomType === P.GeomType.Point,
      },
    );
  }
  return P.leafletLayer({ ...options, paintRules, labelRules: [], backgroundColor: "#f6f4ef" });
}

function rasterLayers(choice) {
  return choice.layers.map((layer) =>
    L.tileLayer(layer.url, {
      subdomains: layer.subdomains || "abc",
      minZoom: 0,
      minNativeZoom: layer.min_zoom,
      maxNativeZoom: layer.max_native_zoom,
      maxZoom: choice.max_zoom || 19,
      attribution: choice.attribution,
      // Leaflet shows nothing for a 204 (no tile here) as for a missing one: an empty square.
      errorTileUrl: "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==",
    }),
  );
}

// One base map: its tile layers, and the map's CRS switched to its own when it is added.
const BaseMap = L.LayerGroup.extend({
  initialize(choice, root) {
    L.LayerGroup.prototype.initialize.call(this, []);
    this.choice = choice;
    this.root = root;
  },
  onAdd(map) {
    const crs = crsOf(this.choice);
    if (map.options.crs !== crs) {
      const center = map.getCenter();
      const zoom = map.getZoom();
      map.options.crs = crs;
      map.setView(center, zoom, { reset: true }); // every overlay re-projected into the new CRS
    }
    const container = map.getContainer();
    container.dataset.basemap = this.choice.name;
    container.dataset.crs = this.choice.crs;
    L.LayerGroup.prototype.onAdd.call(this, map);
    if (this.getLayers().length) return;
    if (this.choice.kind === "raster") {
      for (const layer of rasterLayers(this.choice)) this.addLayer(layer);
    } else if (this.choice.kind === "vector") {
      loadProtomaps(this.root)
        .then((P) => {
          if (this._map && !this.getLayers().length) this.addLayer(vectorLayer(P, this.choice));
        })
        .catch(() => { /* the service's own layers still show */ });
    }
  },
});

// Adds the chosen base map (and a switcher when there is more than one) to a map built with
// L.map(…, { crs: crsOf(chosen(cfg, page)) }). Returns the base map shown.
export function addBaseMaps(map, cfg, page, root, { switcher = true, position = "topright" } = {}) {
  const start = chosen(cfg, page);
  const layers = {};
  for (const choice of cfg.choices) layers[choice.title] = new BaseMap(choice, root);
  const first = Object.values(layers).find((l) => l.choice.name === start.name);
  first.addTo(map);
  if (switcher && cfg.choices.length > 1) {
    const control = L.control.layers(layers, {}, { position, collapsed: true }).addTo(map);
    control.getContainer().classList.add("hm-basemap-switcher");
    map.on("baselayerchange", (e) => {
      storage()?.setItem(STORE + page, e.layer.choice.name);
    });
  }
  return start;
}
