"""GET /api/v1/roads/snap for a point outside the city: a 422 naming the point, at once."""

from __future__ import annotations

import time

import httpx


async def test_a_point_outside_the_city_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    response = await client.get("/api/v1/roads/snap", params={"lat": 0, "lon": 25})
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["lon", "lat"]
    assert "the point (lon 25, lat 0) lies" in problem["detail"]
    assert "km outside the city" in problem["detail"]
    assert elapsed < 2.0, f"took {elapsed:.2f} s"


async def test_a_point_inside_the_city_is_still_snapped(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/roads/snap", params={"lat": 36.45, "lon": 115.98})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.json()["type"] == "Feature"
