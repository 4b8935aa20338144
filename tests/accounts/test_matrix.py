"""Every role × action × own/other county: the exact status, and for every refusal, that nothing changed.

The county officer and the verifiers work in 东昌府区 (371502, "own"); "other" is 阳谷县 (371521).
The hazards are prepared by the two administrators: admin2 marks them rectified and admin closes them,
so that every verifier (and admin) differs from the rectifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.hazards.conftest import BOJIQIAO, GULOU, point

ROLES = ("admin", "commander", "county_officer", "verifier", "viewer", "agency", "anonymous")
PLACE = {"own": GULOU, "other": BOJIQIAO}
CLAIM = {"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"}
START = {"action": "start", "measures": "增设减速带", "interim_measures": "临时限速"}
RECTIFY = {"action": "rectify", "evidence": "已完成"}
CLOSE = {"action": "close", "verifier": "李四", "verification": "合格"}
# The state each action starts from, as a list of preparatory steps.
TO_STATE = {
    "reported": [],
    "claimed": [CLAIM],
    "rectifying": [CLAIM, START],
    "rectified": [CLAIM, START, RECTIFY],
    "closed": [CLAIM, START, RECTIFY, CLOSE],
}


@dataclass(frozen=True)
class Act:
    name: str
    allowed: dict[str, set[str]]  # role → the places ("own", "other") where it succeeds
    ok: int = 200


CITY = {"own", "other"}
OWN = {"own"}
# Who may do what (docs/DEVELOPING.md, "Permissions"). Everyone else: 403 (401 without credentials).
ACTS = [
    Act("create", {"admin": CITY, "county_officer": OWN}, 201),
    Act("patch", {"admin": CITY, "county_officer": OWN}),
    Act("move_out", {"admin": CITY}),  # a patch moving the hazard into the other county
    Act("delete", {"admin": CITY, "county_officer": OWN}, 204),
    Act("claim", {"admin": CITY, "county_officer": OWN}),
    Act("start", {"admin": CITY, "county_officer": OWN}),
    Act("rectify", {"admin": CITY, "county_officer": OWN}),
    Act("reject", {"admin": CITY, "county_officer": OWN}),
    Act("duplicate", {"admin": CITY, "county_officer": OWN}),
    Act("close", {"admin": CITY, "verifier": OWN}),
    Act("reopen", {"admin": CITY, "verifier": OWN}),
    Act("list", {"admin": CITY, "commander": CITY}),
    Act("delist", {"admin": CITY, "commander": CITY}),
    Act("accept", {"admin": CITY, "county_officer": OWN}, 201),
    Act("dismiss", {"admin": CITY, "county_officer": OWN}),
    Act("detect", {"admin": CITY, "commander": CITY}),
    Act("ledger", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer")}),
    Act("history", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer")}),
    Act("export", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer", "agency")}),
    Act("list_hazards", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer", "agency")}),
]
TRANSITION = {
    "claim": ("reported", CLAIM),
    "start": ("claimed", START),
    "rectify": ("rectifying", RECTIFY),
    "reject": ("reported", {"action": "reject", "reason": "不属于道路隐患"}),
    "duplicate": ("reported", {"action": "duplicate"}),
    "close": ("rectified", CLOSE),
    "reopen": ("closed", {"action": "reopen", "reason": "复发"}),
    "list": ("reported", {"action": "list", "level": "city", "reason": "久拖未改"}),
    "delist": ("closed", {"action": "delist"}),
}


async def snapshot(engine: AsyncEngine) -> tuple[Any, ...]:
    """Everything a refused request could have changed."""
    async with engine.connect() as conn:
        hazards = (await conn.execute(text("SELECT * FROM hazards ORDER BY id"))).all()
        events = (await conn.execute(text("SELECT count(*) FROM hazard_events"))).scalar_one()
        candidates = (await conn.execute(text("SELECT * FROM accident_prone_candidates ORDER BY id"))).all()
    return tuple(map(tuple, hazards)), events, tuple(map(tuple, candidates))


async def prepared(admins: tuple[httpx.AsyncClient, httpx.AsyncClient], place: str, state: str) -> dict[str, Any]:
    admin, admin2 = admins
    r = await admin.post("/api/v1/hazards", json=point(PLACE[place]))
    assert r.status_code == 201, r.text
    hazard: dict[str, Any] = r.json()
    for body in TO_STATE[state]:
        by = admin2 if body["action"] == "rectify" else admin
        r = await by.post(
            f"/api/v1/hazards/{hazard['id']}/transitions", json=body, headers={"If-Match": r.headers["ETag"]}
        )
        assert r.status_code == 200, r.text
    hazard["etag"] = r.headers["ETag"]
    return hazard


async def candidate(engine: AsyncEngine, place: str) -> int:
    """A pending accident-prone point on the shipped road nearest the place."""
    lon, lat = PLACE[place]
    async with engine.begin() as conn:
        found = await conn.execute(
            text(
                "INSERT INTO accident_prone_candidates (kind, road_id, road_code, start_chainage_m,"
                " end_chainage_m, point_chainage_m, geom, crash_count, fatal_crashes, ordinary_crashes,"
                " deaths, injuries, crash_ids, reasons, since, until, params)"
                " SELECT 'point', r.id, r.code, 0, 300, 150, ST_ClosestPoint(r.geom, p.g), 3, 3, 0, 3, 0,"
                " '{}', '{fatal_crashes>=3}', now() - interval '3 years', now(), '{}'::jsonb"
                " FROM roads r, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) p"
                " ORDER BY r.geom <-> p.g LIMIT 1 RETURNING id"
            ),
            {"lon": lon, "lat": lat},
        )
        return int(found.scalar_one())


async def perform(
    act: str, place: str, client: httpx.AsyncClient, admins: tuple[httpx.AsyncClient, httpx.AsyncClient],
    engine: AsyncEngine,
) -> httpx.Response:
    if act == "create":
        return await client.post("/api/v1/hazards", json=point(PLACE[place]))
    if act in ("accept", "dismiss"):
        cid = await candidate(engine, place)
        body = {"category": "XL01"} if act == "accept" else {"note": "不成立"}
        return await client.post(f"/api/v1/detections/candidates/{cid}/{act}", json=body)
    if act == "detect":
        return await client.post("/api/v1/detections", json={})
    if act in ("ledger", "export", "list_hazards"):
        await prepared(admins, place, "reported")
        path = {"ledger": "/api/v1/ledger", "export": "/api/v1/export?format=csv", "list_hazards": "/api/v1/hazards"}
        return await client.get(path[act])
    state = TRANSITION[act][0] if act in TRANSITION else "reported"
    h = await prepared(admins, place, state)
    url = f"/api/v1/hazards/{h['id']}"
    if_match = {"If-Match": h["etag"]}
    if act == "history":
        return await client.get(f"{url}/history")
    if act == "patch":
        return await client.patch(url, json={"properties": {"description": "改"}}, headers=if_match)
    if act == "move_out":
        # From own into the other county, or (for "other") from the other into own.
        to = PLACE["other" if place == "own" else "own"]
        body = {"geometry": {"type": "Point", "coordinates": list(to)}}
        return await client.patch(url, json=body, headers=if_match)
    if act == "delete":
        return await client.delete(url, headers=if_match)
    body = dict(TRANSITION[act][1])
    if act == "duplicate":
        body["of"] = (await prepared(admins, place, "reported"))["id"]
    return await client.post(f"{url}/transitions", json=body, headers=if_match)


CASES = [(act, role, place) for act in ACTS for role in ROLES for place in ("own", "other")]


@pytest.mark.parametrize(
    ("act", "role", "place"), CASES, ids=[f"{a.name}-{r}-{p}" for a, r, p in CASES]
)
async def test_permission(
    act: Act, role: str, place: str, clients: dict[str, httpx.AsyncClient], anonymous: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    client = anonymous if role == "anonymous" else clients[role]
    admins = (clients["admin"], clients["admin2"])
    # For a refusal: the state just before the refused request, prepared the same way by the admins.
    if act.name in ("create", "detect"):
        before = await snapshot(engine)
        r = await perform(act.name, place, client, admins, engine)
    else:
        r = await _perform_with_snapshot(act.name, place, client, admins, engine)
        before = _last_snapshot[0]
    if role == "anonymous":
        expected = 401
    elif place in act.allowed.get(role, set()):
        expected = act.ok
    else:
        expected = 403
    assert r.status_code == expected, r.text
    if expected >= 400:
        assert r.headers["content-type"] == "application/problem+json"
        assert await snapshot(engine) == before, "a refused request changed something"
        if expected == 403 and role in ("county_officer", "verifier") and role in act.allowed:
            assert "is not among your jurisdictions" in r.json()["detail"]


_last_snapshot: list[Any] = [None]


async def _perform_with_snapshot(
    act: str, place: str, client: httpx.AsyncClient, admins: tuple[httpx.AsyncClient, httpx.AsyncClient],
    engine: AsyncEngine,
) -> httpx.Response:
    """Prepare with the admins, take the snapshot, then send the one request under test."""

    class Recording(httpx.AsyncClient):
        pass

    # Run the preparation through the admins, then snapshot right before the client's request: the
    # client's transport is wrapped so that its first request snapshots first.
    transport = client._transport  # noqa: SLF001
    original = transport.handle_async_request

    async def handle(request: httpx.Request) -> httpx.Response:
        _last_snapshot[0] = await snapshot(engine)
        transport.handle_async_request = original  # type: ignore[method-assign]
        return await original(request)

    if client in admins:
        # The admins also prepare: snapshot before the last request instead (see perform_admin).
        return await _perform_admin(act, place, client, admins, engine)
    transport.handle_async_request = handle  # type: ignore[method-assign]
    try:
        return await perform(act, place, client, admins, engine)
    finally:
        transport.handle_async_request = original  # type: ignore[method-assign]


async def _perform_admin(
    act: str, place: str, client: httpx.AsyncClient, admins: tuple[httpx.AsyncClient, httpx.AsyncClient],
    engine: AsyncEngine,
) -> httpx.Response:
    r = await perform(act, place, client, admins, engine)
    _last_snapshot[0] = None  # admins are never refused in the matrix
    return r
