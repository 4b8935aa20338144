"""gzip only when the client asks for it, only for bodies worth it, and the same content either way."""

from __future__ import annotations

import gzip

import httpx
import pytest

from tests.support.hazards import GULOU, create, point

pytestmark = pytest.mark.asyncio


async def test_gzip_when_asked(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create(client, "hazards", point(GULOU))
    plain = await client.get("/api/v1/hazards", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024
    packed = await client.get("/api/v1/hazards", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert int(packed.headers["content-length"]) < len(plain.content)
    # httpx decompresses: the client sees the same collection.
    assert packed.json() == plain.json()
    assert packed.headers["content-type"] == plain.headers["content-type"]


async def test_large_body_is_gzip_on_the_wire(client: httpx.AsyncClient) -> None:
    # Read the raw stream, as it left the service, and decompress it by hand.
    async with client.stream("GET", "/openapi.json", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join([chunk async for chunk in r.aiter_raw()])
    assert r.headers["content-encoding"] == "gzip"
    plain = await client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert gzip.decompress(raw) == plain.content
    assert len(raw) * 4 < len(plain.content)


async def test_small_bodies_stay_plain(client: httpx.AsyncClient) -> None:
    # An empty tile, and a small problem document, are sent as they are.
    tile = await client.get("/tiles/hazards/14/0/0.mvt", headers={"Accept-Encoding": "gzip"})
    assert tile.status_code == 200 and tile.content == b""
    assert "content-encoding" not in tile.headers
    missing = await client.get("/api/v1/nothing-here", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404 and "content-encoding" not in missing.headers
