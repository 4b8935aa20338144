"""A hazard given as road code + 桩号 instead of a geometry: located on the road by PostGIS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.hazards.conftest import BEIJING_2026


def by_chainage(road: str | None, chainage: str, **properties: Any) -> dict[str, Any]:
    props = {"category": "JC01", "reported_at": BEIJING_2026, "chainage": chainage, **properties}
    if road is not None:
        props["road"] = road
    return {"type": "Feature", "geometry": None, "properties": props}


async def test_point_from_road_and_chainage(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    # G9309 runs from (115.95, 36.46) at K516+000 to (115.99, 36.46), posted 3000 m long:
    # K517+500 is half-way along it.
    r = await client.post("/api/v1/hazards", json=by_chainage("G9309", "K517+500"))
    assert r.status_code == 201, r.text
    body = r.json()
    lon, lat = body["geometry"]["coordinates"]
    assert lon == pytest.approx(115.97, abs=1e-4) and lat == pytest.approx(36.46, abs=1e-6)
    props = body["properties"]
    assert (props["road_code"], props["chainage_m"], props["chainage"]) == ("G9309", 517500, "K517+500")
    assert props["county"] == "371502"


async def test_road_code_in_front_of_the_chainage(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    r = await client.post("/api/v1/hazards", json=by_chainage(None, "G9309 516KM+600M"))
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["chainage"] == "K516+600"


async def test_segment_cut_from_the_road(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    r = await client.post("/api/v1/segments", json=by_chainage("G9309", "K516+600-K517+200"))
    assert r.status_code == 201, r.text
    body = r.json()
    coords = body["geometry"]["coordinates"]
    assert coords[0][0] == pytest.approx(115.958, abs=1e-4)
    assert coords[-1][0] == pytest.approx(115.966, abs=1e-4)
    props = body["properties"]
    assert (props["chainage_m"], props["end_chainage_m"]) == (516600, 517200)
    assert props["chainage"] == "K516+600-K517+200"


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("hazards", by_chainage("G9309", "K520+000"), "properties.chainage", "K520+000"),
        ("hazards", by_chainage("G9309", "K516+600-K517+200"), "properties.chainage", "range"),
        ("segments", by_chainage("G9309", "K516+600"), "properties.chainage", "start and an end"),
        ("hazards", by_chainage("G9309", "somewhere"), "properties.chainage", "expected"),
        ("hazards", by_chainage(None, "K516+600"), "properties.road", "road code"),
        (
            "hazards",
            {
                **by_chainage("G9309", "K516+600"),
                "geometry": {"type": "Point", "coordinates": [115.96, 36.46]},
            },
            "geometry",
            "not both",
        ),
    ],
)
async def test_refused_and_nothing_written(
    client: httpx.AsyncClient,
    api_roads: dict[str, int],
    path: str,
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    r = await client.post(f"/api/v1/{path}", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["message"]
    listed = (await client.get(f"/api/v1/{path}")).json()
    assert listed["numberMatched"] == 0
