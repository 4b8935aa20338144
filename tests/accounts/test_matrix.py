"""Every role × action × own/other county: the exact status, and for every refusal, that nothing changed.

The county officer and the verifiers work in 东昌府区 (371502, "own"); "other" is 阳谷县 (371521).
The hazards are prepared by the two administrators: admin2 marks them rectified and admin closes them,
so that every verifier (and admin) differs from the rectifier.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import BOJIQIAO, GULOU, point

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
    "listed_closed": [
        {"action": "list", "level": "city", "reason": "久拖未改"},
        CLAIM,
        START,
        RECTIFY,
        CLOSE,
    ],
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
    # It names the administrators who changed the category: personal data, as a hazard's history.
    Act(
        "category_history", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer")}
    ),
    Act(
        "export", {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer", "agency")}
    ),
    Act(
        "list_hazards",
        {r: CITY for r in ("admin", "commander", "county_officer", "verifier", "viewer", "agency")},
    ),
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
    "delist": ("listed_closed", {"action": "delist"}),
}


async def snapshot(engine: AsyncEngine) -> tuple[Any, ...]:
    """Everything a refused request could have changed."""
    async with engine.connect() as conn:
        hazards = (await conn.execute(text("SELECT * FROM hazards ORDER BY id"))).all()
        events = (await conn.execute(text("SELECT count(*) FROM hazard_events"))).scalar_one()
        candidates = (await conn.execute(text("SELECT * FROM accident_prone_candidates ORDER BY id"))).all()
    return tuple(map(tuple, hazards)), events, tuple(map(tuple, candidates))


async def prepared(
    admins: tuple[httpx.AsyncClient, httpx.AsyncClient], place: str, state: str
) -> dict[str, Any]:
    admin, admin2 = admins
    r = await admin.post("/api/v1/hazards?on_duplicate=create", json=point(PLACE[place]))
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


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def prepare(
    act: str, place: str, admins: tuple[httpx.AsyncClient, httpx.AsyncClient], engine: AsyncEngine
) -> Send:
    """Set the scene with the admins; return the one request under test, to be sent by any client."""
    if act == "create":
        return lambda c: c.post("/api/v1/hazards?on_duplicate=create", json=point(PLACE[place]))
    if act in ("accept", "dismiss"):
        cid = await candidate(engine, place)
        body = {"category": "XL01"} if act == "accept" else {"note": "不成立"}
        return lambda c: c.post(f"/api/v1/detections/candidates/{cid}/{act}", json=body)
    if act == "detect":
        return lambda c: c.post("/api/v1/detections", json={})
    if act == "category_history":
        return lambda c: c.get("/api/v1/categories/JC01/history")
    if act in ("ledger", "export", "list_hazards"):
        await prepared(admins, place, "reported")
        path = {
            "ledger": "/api/v1/ledger",
            "export": "/api/v1/export?format=csv",
            "list_hazards": "/api/v1/hazards",
        }
        return lambda c: c.get(path[act])
    state = TRANSITION[act][0] if act in TRANSITION else "reported"
    h = await prepared(admins, place, state)
    url = f"/api/v1/hazards/{h['id']}"
    if_match = {"If-Match": h["etag"]}
    if act == "history":
        return lambda c: c.get(f"{url}/history")
    if act == "patch":
        return lambda c: c.patch(url, json={"properties": {"description": "改"}}, headers=if_match)
    if act == "move_out":
        # From own into the other county, or (for "other") from the other into own.
        to = PLACE["other" if place == "own" else "own"]
        moved = {"geometry": {"type": "Point", "coordinates": list(to)}}
        return lambda c: c.patch(url, json=moved, headers=if_match)
    if act == "delete":
        return lambda c: c.delete(url, headers=if_match)
    body = dict(TRANSITION[act][1])
    if act == "duplicate":
        body["of"] = (await prepared(admins, place, "reported"))["id"]
    return lambda c: c.post(f"{url}/transitions", json=body, headers=if_match)


CASES = [(act, role, place) for act in ACTS for role in ROLES for place in ("own", "other")]


@pytest.mark.parametrize(("act", "role", "place"), CASES, ids=[f"{a.name}-{r}-{p}" for a, r, p in CASES])
async def test_permission(
    act: Act,
    role: str,
    place: str,
    clients: dict[str, httpx.AsyncClient],
    anonymous: httpx.AsyncClient,
    engine: AsyncEngine,
) -> None:
    client = anonymous if role == "anonymous" else clients[role]
    send = await prepare(act.name, place, (clients["admin"], clients["admin2"]), engine)
    before = await snapshot(engine)
    r = await send(client)
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
    if expected == 403 and act.allowed.get(role):
        # The role may do this, only not here: the refusal names the county.
        assert r.json()["detail"].endswith("is not among your jurisdictions"), r.json()["detail"]


# -- the pages: each role gets what the API gives it for the same data ---------------------------------
INTERNAL = ("admin", "commander", "county_officer", "verifier", "viewer")
EVERYONE = (*INTERNAL, "agency")


@dataclass(frozen=True)
class Page:
    path: str
    allowed: tuple[str, ...]  # the roles answered 200; other roles 403
    api: str | None  # the API request for the same data, whose answer the page must match
    anonymous: int = 303  # a page sends the browser to /login where the API says 401


PAGES = [
    Page("/", EVERYONE, None),
    Page("/todo", INTERNAL, "/api/v1/ledger"),
    Page("/search?q=G309", EVERYONE, "/api/v1/search?q=G309"),
    Page("/map", EVERYONE, "/api/v1/hazards"),
    Page("/map/371502", EVERYONE, "/api/v1/hazards?county=371502"),
    Page("/wall", EVERYONE, "/api/v1/stats"),
    # The field page exists to send a hazard: whoever may create one.
    Page("/field", ("admin", "county_officer"), None),
    Page("/ledger", INTERNAL, "/api/v1/ledger"),
    Page("/ledger/371502", INTERNAL, "/api/v1/ledger?jurisdiction=371502"),
    Page("/ledger/371502?status=open&supervised=true", INTERNAL, "/api/v1/ledger?jurisdiction=371502"),
    # An API key does not log out; an administrator revokes it (POST /api/v1/auth/logout: 403).
    Page("/logout", INTERNAL, None),
    Page("/login", (*EVERYONE, "anonymous"), None),
    # A user's own settings: an API key has none.
    Page("/notifications/preferences", INTERNAL, "/api/v1/notifications/preferences"),
    # The OGC pages are the API's own answers in HTML: the same route, the same refusals.
    Page("/ogc?f=html", (*EVERYONE, "anonymous"), "/ogc?f=json"),
    Page("/ogc/conformance?f=html", (*EVERYONE, "anonymous"), "/ogc/conformance?f=json"),
    Page("/ogc/collections?f=html", EVERYONE, "/ogc/collections?f=json", 401),
    Page("/ogc/collections/hazards?f=html", EVERYONE, "/ogc/collections/hazards?f=json", 401),
    Page("/ogc/collections/hazards/items?f=html", EVERYONE, "/ogc/collections/hazards/items?f=json", 401),
    Page(
        "/ogc/collections/roads/items?f=html&limit=2", EVERYONE, "/ogc/collections/roads/items?limit=2", 401
    ),
]
PAGE_CASES = [(page, role) for page in PAGES for role in ROLES]


@pytest.mark.parametrize(("page", "role"), PAGE_CASES, ids=[f"{p.path}-{r}" for p, r in PAGE_CASES])
async def test_page_permission(
    page: Page, role: str, clients: dict[str, httpx.AsyncClient], anonymous: httpx.AsyncClient
) -> None:
    client = anonymous if role == "anonymous" else clients[role]
    r = await client.get(page.path, headers={"Accept": "text/html"})
    if role in page.allowed:
        expected = 200
    elif role == "anonymous":
        expected = page.anonymous
    else:
        expected = 403
    assert r.status_code == expected, r.text[:300]
    if expected == 303:
        assert r.headers["location"].startswith("/login?next=")
    elif expected == 403:
        assert r.headers["content-type"].startswith("text/html")
        assert 'data-message="forbidden"' in r.text
    if page.api is not None:
        api = (await client.get(page.api)).status_code
        assert {200: 200, 401: page.anonymous, 403: 403}[api] == expected, (page.api, api)
