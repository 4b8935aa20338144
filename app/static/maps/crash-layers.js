// Crash analysis on the maps: accident-prone candidates (事故易发多发点段, awaiting review) and crash density.
// Both are off until switched on; they load by viewport like the hazards do.
/* global L */
import { bboxParam, config, el, getJSON, service, t } from "./common.js";

const CANDIDATE_COLOUR = "#7b2cbf";
// Graded cells, light to dark: five equal steps up to the busiest cell in view.
export const DENSITY_COLOURS = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
const CELL_SIZES_M = [250, 500, 1000, 2000, 5000, 10000, 20000];

// A cell of some 40 screen pixels at this zoom (about 126 km per 256 px tile at zoom 0 near 36° N).
export function densityCell(zoom) {
  const wanted = (40 * 126000) / 2 ** zoom;
  return CELL_SIZES_M.find((m) => m >= wanted) || CELL_SIZES_M[CELL_SIZES_M.length - 1];
}

export function densityClass(crashes, most) {
  return Math.min(DENSITY_COLOURS.length - 1, Math.max(0, Math.ceil((crashes / Math.max(most, 1)) * 5) - 1));
}

// The crash counts each colour stands for, for the legend: [[from, to], …] without empty classes.
export function densityBreaks(most) {
  const breaks = [];
  let from = 1;
  for (let k = 0; k < DENSITY_COLOURS.length; k += 1) {
    const to = Math.floor((most * (k + 1)) / DENSITY_COLOURS.length);
    if (to >= from) {
      breaks.push({ colour: DENSITY_COLOURS[k], from, to });
      from = to + 1;
    }
  }
  return breaks;
}

function cellLabel(metres) {
  return metres >= 1000 ? `${metres / 1000} km` : `${metres} m`;
}

function dateOnly(iso) {
  return iso ? new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(iso)) : "";
}

async function post(path, body) {
  const response = await service.send(path, { method: "POST", json: body });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail || String(response.status));
  return answer;
}

export class CandidateLayer {
  // decide: the officer's page offers accept/dismiss; the wall only shows the evidence.
  constructor(map, { decide = false, onChange = () => {} } = {}) {
    this.map = map;
    this.decide = decide;
    this.onChange = onChange;
    this.group = L.layerGroup();
    this.on = false;
    this.count = 0;
  }

  show(on) {
    this.on = on;
    if (on) {
      this.group.addTo(this.map);
      return this.load();
    }
    this.group.remove();
    return Promise.resolve();
  }

  async load() {
    if (!this.on) return;
    const data = await getJSON(config.api.candidates, {
      status: "candidate", bbox: bboxParam(this.map.getBounds().pad(0.1)), limit: 1000,
    });
    this.group.clearLayers();
    for (const f of data.features) this.draw(f);
    this.count = data.features.length;
    this.onChange(this);
  }

  draw(f) {
    const p = f.properties;
    const layer = f.geometry.type === "Point"
      ? L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        radius: 7 + Math.min(p.crash_count, 12) / 2, color: CANDIDATE_COLOUR, weight: 3, fillColor: "#c77dff",
        fillOpacity: 0.55, className: "hm-cand hm-cand-point",
      })
      : L.geoJSON(f, {
        style: { color: CANDIDATE_COLOUR, weight: 8, opacity: 0.8, dashArray: "1 10", lineCap: "round",
          className: "hm-cand hm-cand-segment" },
      });
    layer.bindPopup(() => this.popup(p, layer), { minWidth: 240 }).addTo(this.group);
  }

  popup(p, layer) {
    const rows = [
      [t("cand_window"), [p.road_code, p.chainage].filter(Boolean).join(" ")],
      [t("cand_crashes"), t("n_crashes", { n: p.crash_count })],
      [t("cand_fatal"), t("n_crashes", { n: p.fatal_crashes })],
      [t("cand_deaths"), t("n_people", { n: p.deaths })],
      [t("cand_injuries"), t("n_people", { n: p.injuries })],
      [t("cand_period"), `${dateOnly(p.since)} – ${dateOnly(p.until)}`],
      [t("cand_reasons"), (p.reasons || []).map((r) => t(`reason_${r}`)).join("、")],
    ];
    const node = el("div", { class: "hm-popup hm-cand-popup", dataset: { candidate: p.id } },
      el("h3", {}, t(p.kind === "point" ? "cand_point" : "cand_segment"), el("small", {}, t("cand_status"))),
      el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
    if (this.decide) node.append(this.decisions(p, layer));
    return node;
  }

  decisions(p, layer) {
    const category = el("select", { name: "category" },
      config.categories.map((c) => el("option", { value: c.code }, `${c.code} ${c.name}`)));
    const note = el("input", { name: "note", placeholder: t("cand_note"), maxlength: 500 });
    const said = el("p", { class: "hm-cand-said", role: "status" });
    const accept = el("button", { type: "button", class: "hm-cand-accept" }, t("cand_accept"));
    const dismiss = el("button", { type: "button", class: "hm-cand-dismiss" }, t("cand_dismiss"));
    const base = `${config.api.candidates}/${encodeURIComponent(p.id)}`;
    const decided = (text) => {
      said.textContent = text;
      accept.disabled = true;
      dismiss.disabled = true;
      // Decided candidates leave the layer (it shows those awaiting review) once the popup closes.
      layer.once("popupclose", () => this.load().catch(() => {}));
    };
    accept.addEventListener("click", async () => {
      try {
        const done = await post(`${base}/accept`, { category: category.value });
        decided(t("cand_accepted", { no: done.ledger_no }));
      } catch (error) {
        said.textContent = t("cand_failed", { detail: error.message });
      }
    });
    dismiss.addEventListener("click", async () => {
      try {
        await post(`${base}/dismiss`, note.value.trim() ? { note: note.value.trim() } : {});
        decided(t("cand_dismissed"));
      } catch (error) {
        said.textContent = t("cand_failed", { detail: error.message });
      }
    });
    return el("div", { class: "hm-cand-decide" },
      el("label", {}, t("category"), category), note, el("div", { class: "hm-cand-buttons" }, dismiss, accept), said);
  }
}

export class DensityLayer {
  constructor(map, legend) {
    this.map = map;
    this.legend = legend; // the element that gets the graded legend, or null
    this.group = L.layerGroup();
    this.on = false;
    this.data = null;
  }

  show(on) {
    this.on = on;
    if (this.legend) this.legend.hidden = !on;
    if (on) {
      this.group.addTo(this.map);
      return this.load();
    }
    this.group.remove();
    return Promise.resolve();
  }

  async load() {
    if (!this.on) return;
    const cell = densityCell(this.map.getZoom());
    const data = await getJSON(config.api.density, { bbox: bboxParam(this.map.getBounds().pad(0.1)), cell });
    this.data = data;
    this.group.clearLayers();
    L.geoJSON(data, {
      pane: "hm-density",
      style: (f) => ({
        stroke: true, weight: 0.5, color: "#fff", fillOpacity: 0.7,
        fillColor: DENSITY_COLOURS[densityClass(f.properties.crashes, data.max_crashes)],
        className: "hm-density-cell",
      }),
      onEachFeature: (f, layer) => {
        const q = f.properties;
        layer.bindTooltip(`${t("n_crashes", { n: q.crashes })} · ${t("cand_deaths")} ${q.deaths} · ${t("cand_injuries")} ${q.injuries}`);
      },
    }).addTo(this.group);
    this.drawLegend(data);
  }

  drawLegend(data) {
    if (!this.legend) return;
    const rows = densityBreaks(data.max_crashes).map((b) => el("li", {},
      el("i", { class: "hm-density-swatch", style: `background:${b.colour}` }),
      t("n_range", { n: b.from === b.to ? b.from : `${b.from}–${b.to}` })));
    this.legend.replaceChildren(
      el("p", {}, t("density_unit", { cell: cellLabel(data.cell_m) })),
      rows.length ? el("ul", {}, rows) : el("p", {}, t("density_none")),
    );
    this.legend.dataset.cells = String(data.cells);
  }
}

// Below the segments and pins, above the outlines: the density is a backdrop to the ledger.
export function addDensityPane(map) {
  const pane = map.createPane("hm-density");
  pane.style.zIndex = 300;
}
