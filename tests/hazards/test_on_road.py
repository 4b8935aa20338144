"""A new hazard near a road gets that road and its chainage (桩号); one far from roads gets none."""

from __future__ import annotations

import httpx
import pytest
from pyproj import Geod

from tests.support.hazards import create, point, segment

GEOD = Geod(ellps="WGS84")


def along(lon: float) -> float:
    """Chainage in metres past G9309's start (K516+000) of its point at ``lon``.

    The fixture declares the road 3000 m long (its posted length), so chainage runs in
    proportion to the geodesic distance along the line, scaled to that length.
    """
    whole = GEOD.inv(115.95, 36.46, 115.99, 36.46)[2]
    return float(GEOD.inv(115.95, 36.46, lon, 36.46)[2] / whole * 3000)


async def test_a_pin_beside_a_road_gets_its_road_and_chainage(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    # 11 m north of G9309 (which starts at K516+000): the pin stays where it was put.
    body = await create(client, "hazards", point((115.97, 36.4601)))
    props = body["properties"]
    assert props["road_code"] == "G9309"
    assert props["chainage_m"] == pytest.approx(516000 + along(115.97), abs=2)
    assert props["chainage"] == "K517+500"
    assert body["geometry"]["coordinates"] == [115.97, 36.4601]


async def test_a_pin_far_from_every_road_stays_unsnapped(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    # Open country in 冠县, 1.09 km from the nearest line of the shipped schematic network.
    body = await create(client, "hazards", point((115.62, 36.40)))
    props = body["properties"]
    assert props["road_code"] is None
    assert props["chainage_m"] is None and props["chainage"] is None


async def test_a_segment_along_one_road_gets_both_chainages(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    body = await create(client, "segments", segment([(115.96, 36.46), (115.98, 36.46)]))
    props = body["properties"]
    assert props["road_code"] == "G9309"
    assert props["chainage_m"] == pytest.approx(516000 + along(115.96), abs=2)
    assert props["end_chainage_m"] == pytest.approx(516000 + along(115.98), abs=2)
