"""The rectify transition takes this hazard's before/after photos as evidence, and only those."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import GULOU, LIUYUAN, create, point
from tests.support.photos import image_bytes, upload
from tests.support.workflow import CLAIM, START, row, step, transition


async def rectifying(client: httpx.AsyncClient) -> int:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], CLAIM)
    await step(client, h["id"], START)
    return int(h["id"])


async def photo(client: httpx.AsyncClient, hazard_id: int, stage: str, color: str) -> int:
    r = await upload(client, hazard_id, image_bytes("JPEG", color=color), stage=stage)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_rectify_records_its_photos(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    h = await rectifying(client)
    before = await photo(client, h, "before", "red")
    after = await photo(client, h, "after", "green")
    p = await step(
        client, h, {"action": "rectify", "evidence": "已增设减速带", "photos": [before, after, before]}
    )
    assert p["status"] == "rectified"
    assert (await row(engine, h))["evidence_photos"] == [before, after]
    events = (await client.get(f"/api/v1/hazards/{h}/history")).json()["events"]
    assert events[-1]["action"] == "rectify"
    assert events[-1]["changes"]["evidence_photos"] == [None, [before, after]]
    # A reopened hazard needs fresh evidence: the photo list is cleared with the rest.
    await step(client, h, {"action": "close", "verifier": "李四", "verification": "合格"}, "admin2")
    await step(client, h, {"action": "reopen", "reason": "复发"})
    assert (await row(engine, h))["evidence_photos"] is None


async def test_rectify_refuses_photos_of_another_hazard_and_changes_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    h = await rectifying(client)
    other = await create(client, "hazards", point(LIUYUAN))
    mine = await photo(client, h, "after", "green")
    theirs = await photo(client, other["id"], "after", "blue")
    report = await photo(client, h, "report", "gray")
    before = await row(engine, h)
    etag = (await client.get(f"/api/v1/hazards/{h}")).headers["ETag"]
    r = await transition(client, h, etag, {"action": "rectify", "evidence": "完成", "photos": [mine, theirs]})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "photos.1", "message": f"photo {theirs} is a photo of hazard {other['id']}, not {h}"}
    ]
    r = await transition(
        client, h, etag, {"action": "rectify", "evidence": "完成", "photos": [report, 999999]}
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["photos.0", "photos.1"]
    # A removed photo is no evidence either.
    assert (await client.delete(f"/api/v1/photos/{mine}")).status_code == 204
    r = await transition(client, h, etag, {"action": "rectify", "evidence": "完成", "photos": [mine]})
    assert r.status_code == 422
    r = await transition(client, h, etag, {"action": "rectify", "evidence": "完成", "photos": ["x"]})
    assert r.status_code == 422
    assert await row(engine, h) == before


async def test_photos_only_go_with_rectify(
    client: httpx.AsyncClient, engine: AsyncEngine, photo_dir: Path
) -> None:
    h = await create(client, "hazards", point(GULOU))
    p = await photo(client, h["id"], "before", "red")
    r = await transition(client, h["id"], '"1"', {**CLAIM, "photos": [p]})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "photos", "message": "photos are evidence of 'rectify', not of 'claim'"}
    ]
    assert (await row(engine, h["id"]))["status"] == "reported"
