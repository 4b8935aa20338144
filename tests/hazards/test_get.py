"""GET /api/v1/hazards/{id} and /segments/{id}: ETag, 304, 404 for the other kind, 410 deleted."""

from __future__ import annotations

import httpx

from app.hazards.schemas import HazardPointFeature
from tests.support.hazards import GULOU, create, point, segment


async def test_one_feature_with_etag(client: httpx.AsyncClient) -> None:
    created = await create(client, "hazards", point(GULOU))
    r = await client.get("/api/v1/hazards/1")

    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    assert r.headers["etag"] == '"1"'
    assert r.json() == created
    HazardPointFeature.model_validate(r.json())


async def test_if_none_match(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))

    same = await client.get("/api/v1/hazards/1", headers={"If-None-Match": '"1"'})
    assert same.status_code == 304 and same.headers["etag"] == '"1"' and same.content == b""
    weak = await client.get("/api/v1/hazards/1", headers={"If-None-Match": 'W/"1"'})
    assert weak.status_code == 304
    listed = await client.get("/api/v1/hazards/1", headers={"If-None-Match": '"7", "1"'})
    assert listed.status_code == 304
    stale = await client.get("/api/v1/hazards/1", headers={"If-None-Match": '"0"'})
    assert stale.status_code == 200 and stale.json()["id"] == 1


async def test_the_other_kind_is_not_found(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    await create(client, "segments", segment([(115.955, 36.462), (115.965, 36.462)]))

    r = await client.get("/api/v1/segments/1")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "https://hazardmap.invalid/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "there is no accident-prone segment with id 1 under /segments",
        "instance": "/api/v1/segments/1",
    }
    assert (await client.get("/api/v1/hazards/2")).status_code == 404
    assert (await client.get("/api/v1/segments/2")).status_code == 200
    assert (await client.get("/api/v1/hazards/3")).status_code == 404


async def test_deleted_is_gone(client: httpx.AsyncClient) -> None:
    await create(client, "hazards", point(GULOU))
    assert (await client.delete("/api/v1/hazards/1", headers={"If-Match": '"1"'})).status_code == 204

    r = await client.get("/api/v1/hazards/1")
    assert r.status_code == 410
    assert r.json()["title"] == "Gone"
    assert r.json()["detail"] == "hazard point 1 has been deleted; its history is still readable"


async def test_id_must_be_an_integer(client: httpx.AsyncClient) -> None:
    for bad in ("abc", "1.5", "0", "99999999999999999999"):
        r = await client.get(f"/api/v1/hazards/{bad}")
        assert r.status_code == 422, bad
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == ["id"]
