// Where a pin will land on the road network, worked out on the phone from the offline package's roads,
// so that the officer sees the road and 桩号 before sending, with or without a network. The service
// decides in the end (PostGIS, ST_LineLocatePoint over the same pieces); this mirrors its rule: the
// nearest road piece within the snap distance, and the 桩号 as the piece's start plus the fraction of
// its length at which the pin's foot lies, measured along the line as PostGIS measures it (in degrees).
// Pure functions: `node --test` runs them (tests/js/).

const EARTH_M_PER_DEG_LAT = 110574;
const EARTH_M_PER_DEG_LON_EQ = 111320;

function lines(geometry) {
  if (!geometry) return [];
  if (geometry.type === "LineString") return [geometry.coordinates];
  if (geometry.type === "MultiLineString") return geometry.coordinates;
  return [];
}

// The foot of the perpendicular from p to the segment a–b, in a plane where 1 unit is 1 metre
// near p, and how far along a–b it lies (0–1).
function foot(p, a, b, kx, ky) {
  const ax = (a[0] - p[0]) * kx, ay = (a[1] - p[1]) * ky;
  const bx = (b[0] - p[0]) * kx, by = (b[1] - p[1]) * ky;
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const fx = ax + t * dx, fy = ay + t * dy;
  return { t, distance: Math.hypot(fx, fy) };
}

// For one road piece: the distance (m) from the point and the fraction of the piece's length
// (0–1, as ST_LineLocatePoint gives it) at the nearest point.
export function locateOnLine(coords, lon, lat) {
  const kx = EARTH_M_PER_DEG_LON_EQ * Math.cos((lat * Math.PI) / 180);
  const ky = EARTH_M_PER_DEG_LAT;
  let total = 0;
  const lengths = [];
  for (let i = 1; i < coords.length; i++) {
    const l = Math.hypot(coords[i][0] - coords[i - 1][0], coords[i][1] - coords[i - 1][1]);
    lengths.push(l);
    total += l;
  }
  let best = { distance: Infinity, fraction: 0 };
  let before = 0;
  for (let i = 1; i < coords.length; i++) {
    const f = foot([lon, lat], coords[i - 1], coords[i], kx, ky);
    if (f.distance < best.distance) {
      best = { distance: f.distance, fraction: total === 0 ? 0 : (before + f.t * lengths[i - 1]) / total };
    }
    before += lengths[i - 1];
  }
  return best;
}

// The road and 桩号 a point snaps to: {code, name, road_group, chainage_m, distance_m}, or null when
// no road lies within maxDistanceM.
export function snapToRoads(roads, lon, lat, maxDistanceM = 50) {
  let best = null;
  for (const road of roads || []) {
    const p = road.properties || {};
    // A MultiLineString piece is measured as PostGIS would merge it: part by part here, a close enough guess.
    for (const coords of lines(road.geometry)) {
      if (coords.length < 2) continue;
      const found = locateOnLine(coords, lon, lat);
      if (found.distance > maxDistanceM || (best && found.distance >= best.distance_m)) continue;
      best = {
        code: p.code || null,
        name: p.name || null,
        road_group: p.road_group || null,
        chainage_m: (p.start_chainage_m || 0) + found.fraction * (p.length_m || 0),
        distance_m: found.distance,
      };
    }
  }
  return best;
}

// 桩号 as the ledger writes it: K516+600.
export function chainageText(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return "";
  const m = Math.round(metres);
  return `K${Math.floor(m / 1000)}+${String(m % 1000).padStart(3, "0")}`;
}

// A GPS fix worse than the threshold should not place a pin by itself.
export function accuracyIsPoor(accuracyM, thresholdM) {
  return !(Number.isFinite(accuracyM) && accuracyM <= thresholdM);
}
