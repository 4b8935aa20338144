"""Category administration: create, change, retire; the history; what a hazard may be filed under."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.databases import empty_ledger
from tests.support.hazards import GULOU, point

# The `client` fixture acts as the test administrator; this is how the history names them.
ADMIN_ACTOR = "测试管理员（t-admin）"
NEW = {"code": "XL06", "group": "XL", "name_zh": "反向弯道", "name_en": "reverse curve"}


@pytest.fixture(autouse=True)
async def _seeded_categories_again(engine: AsyncEngine) -> AsyncIterator[None]:
    """Put the shared database's categories back as seeded (their triggers refuse this to the service)."""
    yield
    async with engine.begin() as conn:
        await empty_ledger(conn)
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text("DELETE FROM category_events"))
        await conn.execute(text("DELETE FROM categories WHERE code IN ('XL06', 'QT01', 'QT02')"))


async def categories(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in (await client.get("/api/v1/categories")).json()}


async def events(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT category_code, action, actor, changes FROM category_events ORDER BY id")
        )
        return [tuple(r) for r in rows]


async def test_create_in_an_existing_group(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    r = await client.post("/api/v1/categories", json=NEW)
    assert r.status_code == 201, r.text
    expected = {
        "code": "XL06",
        "group": "XL",
        "group_zh": "线形",
        "group_en": "alignment",
        "name_zh": "反向弯道",
        "name_en": "reverse curve",
        "usual_visibility": "explicit",
        "active": True,
    }
    assert r.json() == expected
    assert r.headers["location"] == "/api/v1/categories/XL06"
    assert (await categories(client))["XL06"] == expected
    ((code, action, actor, changes),) = await events(engine)
    assert (code, action, actor) == ("XL06", "create", ADMIN_ACTOR)
    assert changes == {**{k: v for k, v in expected.items() if k != "group"}, "group_code": "XL"}
    # and a hazard may be filed under it at once
    r = await client.post("/api/v1/hazards", json=point(GULOU, category="XL06"))
    assert r.status_code == 201, r.text


async def test_create_a_new_group_needs_its_names(client: httpx.AsyncClient) -> None:
    body = {
        "code": "QT01",
        "group": "QT",
        "name_zh": "其他",
        "name_en": "other",
        "usual_visibility": "implicit",
    }
    r = await client.post("/api/v1/categories", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "group_zh"
    r = await client.post("/api/v1/categories", json={**body, "group_zh": "其他", "group_en": "other"})
    assert r.status_code == 201, r.text
    assert r.json()["group_zh"] == "其他" and r.json()["usual_visibility"] == "implicit"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "code": "xl06"}, "code"),
        ({**NEW, "code": "XL6"}, "code"),
        ({**NEW, "code": "LC09"}, "code"),  # not of group XL
        ({**NEW, "group": "X1"}, "group"),
        ({**NEW, "name_zh": ""}, "name_zh"),
        ({**NEW, "usual_visibility": "hidden"}, "usual_visibility"),
        ({**NEW, "group_zh": "弯道"}, "group_zh"),  # an existing group keeps its name
        ({**NEW, "colour": "red"}, "colour"),
        ({k: v for k, v in NEW.items() if k != "name_en"}, "name_en"),
    ],
)
async def test_create_refuses_bad_input_naming_the_field(
    client: httpx.AsyncClient, engine: AsyncEngine, body: dict[str, Any], field: str
) -> None:
    r = await client.post("/api/v1/categories", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert len(await categories(client)) == 23
    assert await events(engine) == []


async def test_create_refuses_an_existing_code(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    r = await client.post("/api/v1/categories", json={**NEW, "code": "XL01"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "code"
    assert (await categories(client))["XL01"]["name_zh"] == "急弯"
    assert await events(engine) == []


async def test_patch_names_group_and_visibility(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    assert (await client.post("/api/v1/categories", json=NEW)).status_code == 201
    r = await client.patch(
        "/api/v1/categories/XL06",
        json={"name_en": "reverse curves", "group": "LC", "usual_visibility": "implicit"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "code": "XL06",
        "group": "LC",
        "group_zh": "路侧",
        "group_en": "roadside",
        "name_zh": "反向弯道",
        "name_en": "reverse curves",
        "usual_visibility": "implicit",
        "active": True,
    }
    last = (await events(engine))[-1]
    assert last == (
        "XL06",
        "update",
        ADMIN_ACTOR,
        {
            "group_code": ["XL", "LC"],
            "group_zh": ["线形", "路侧"],
            "group_en": ["alignment", "roadside"],
            "name_en": ["reverse curve", "reverse curves"],
            "usual_visibility": ["explicit", "implicit"],
        },
    )
    # a new hazard of it takes the new usual visibility
    r = await client.post("/api/v1/hazards", json=point(GULOU, category="XL06"))
    assert r.json()["properties"]["visibility"] == "implicit"
    history = (await client.get("/api/v1/categories/XL06/history")).json()
    assert [e["action"] for e in history] == ["create", "update"]


async def test_retire_refuses_new_hazards_and_keeps_old_ones(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    assert (await client.post("/api/v1/categories", json=NEW)).status_code == 201
    old = (await client.post("/api/v1/hazards", json=point(GULOU, category="XL06"))).json()
    r = await client.patch("/api/v1/categories/XL06", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert (await events(engine))[-1] == (
        "XL06",
        "retire",
        ADMIN_ACTOR,
        {"active": [True, False]},
    )

    refused = await client.post("/api/v1/hazards", json=point(GULOU, category="XL06"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "properties.category"
    kept = await client.get(f"/api/v1/hazards/{old['id']}")
    assert kept.json()["properties"]["category"] == "XL06"

    r = await client.patch("/api/v1/categories/XL06", json={"active": True})
    assert r.json()["active"] is True
    assert (await events(engine))[-1][1] == "reactivate"


async def test_unknown_codes_still_refused_on_hazard_create(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/hazards", json=point(GULOU, category="ZZ99"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "properties.category"


@pytest.mark.parametrize(
    ("code", "body", "status", "field"),
    [
        ("XL01", {"active": None}, 422, "active"),
        ("XL01", {}, 422, "body"),
        ("XL01", {"name_zh": ""}, 422, "name_zh"),
        ("XL01", {"group": "QQ"}, 422, "group_zh"),  # a new group needs its names
        ("XL01", {"code": "XL09"}, 422, "code"),  # the code is the identity
        ("xl01", {"name_zh": "弯"}, 422, "code"),
    ],
)
async def test_patch_refuses_bad_input(
    client: httpx.AsyncClient, engine: AsyncEngine, code: str, body: dict[str, Any], status: int, field: str
) -> None:
    r = await client.patch(f"/api/v1/categories/{code}", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert (await categories(client))["XL01"]["name_zh"] == "急弯"
    assert await events(engine) == []


async def test_patch_unknown_category_is_404(client: httpx.AsyncClient) -> None:
    r = await client.patch("/api/v1/categories/ZZ99", json={"name_zh": "无"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_history_and_categories_are_never_deleted(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    assert (await client.post("/api/v1/categories", json=NEW)).status_code == 201
    for sql in (
        "DELETE FROM categories WHERE code = 'XL06'",
        "UPDATE category_events SET actor = 'someone'",
        "DELETE FROM category_events",
    ):
        with pytest.raises(Exception, match=r"never deleted|append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql))
    assert len(await events(engine)) == 1
