// The field page's pure geometry, run by `node --test` (tests/test_js.py runs it inside the suite).
import assert from "node:assert/strict";
import { test } from "node:test";

import { accuracyIsPoor, chainageText, locateOnLine, snapToRoads } from "../../app/static/maps/field-geo.js";

// A straight east–west road at 36.47° N from 115.90° to 116.05° E, its 桩号 starting at K1+000.
const ROAD = {
  type: "Feature",
  geometry: { type: "LineString", coordinates: [[115.9, 36.47], [116.05, 36.47]] },
  properties: { code: "TS01", name: "测试路", road_group: "trunk", start_chainage_m: 1000, length_m: 13444 },
};

test("a point on the road lies at its fraction of the length, 0 m away", () => {
  const found = locateOnLine(ROAD.geometry.coordinates, 115.975, 36.47);
  assert.ok(Math.abs(found.fraction - 0.5) < 1e-9);
  assert.ok(found.distance < 1e-6);
});

test("the 桩号 is the piece's start plus that fraction of its length", () => {
  const snapped = snapToRoads([ROAD], 115.975, 36.4701, 50);
  assert.equal(snapped.code, "TS01");
  assert.equal(chainageText(snapped.chainage_m), "K7+722");
  // 0.0001° of latitude is about 11 m.
  assert.ok(snapped.distance_m > 10.5 && snapped.distance_m < 11.6, String(snapped.distance_m));
});

test("nothing within the snap distance: null", () => {
  assert.equal(snapToRoads([ROAD], 115.975, 36.475, 50), null); // about 550 m north
});

test("the nearest of two roads wins", () => {
  const other = { ...ROAD, geometry: { type: "LineString", coordinates: [[115.9, 36.4703], [116.05, 36.4703]] },
    properties: { ...ROAD.properties, code: "TX09" } };
  assert.equal(snapToRoads([ROAD, other], 115.975, 36.4702, 50).code, "TX09");
});

test("桩号 text: K, kilometres, plus, three digits of metres", () => {
  assert.equal(chainageText(516600), "K516+600");
  assert.equal(chainageText(93005.4), "K93+005");
  assert.equal(chainageText(null), "");
});

test("a fix worse than the threshold, or none, is poor", () => {
  assert.equal(accuracyIsPoor(12, 50), false);
  assert.equal(accuracyIsPoor(50, 50), false);
  assert.equal(accuracyIsPoor(900, 50), true);
  assert.equal(accuracyIsPoor(undefined, 50), true);
});
