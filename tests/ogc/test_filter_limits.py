"""Hostile CQL2 filters: too long, too deep or with too many conditions get a 400 problem naming
`filter` and the limit, quickly, in-process and over real HTTP; filters within the limits work."""

from __future__ import annotations

import httpx
import pytest

from app.settings import get_settings
from tests.support.accounts import auth_headers
from tests.support.hazards import GULOU, create, point

pytestmark = pytest.mark.asyncio

ITEMS = "/ogc/collections/hazards/items"


def ors(n: int) -> str:
    return " OR ".join(f"id = {i}" for i in range(n))


def nested_text(depth: int, first: int = 0) -> str:
    """id = 0 OR (id = 1 AND (id = 2 OR …)): a real group per level (the operator alternates), with
    as many parentheses as levels."""
    text = f"id = {first + depth}"
    for level in reversed(range(depth)):
        op = "OR" if level % 2 == 0 else "AND"
        text = f"id = {first + level} {op} ({text})"
    return text


def nested_json(depth: int, id_: int = 0) -> str:
    """``depth`` NOTs around id = id_, compact (22 characters a level), written without json.dumps,
    which recurses too."""
    inner = f'{{"op":"=","args":[{{"property":"id"}},{id_}]}}'
    return '{"op":"not","args":[' * depth + inner + "]}" * depth


def assert_refused(r: httpx.Response, fragment: str) -> None:
    assert r.status_code == 400, r.text[:500]
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["field"] == "filter" and fragment in error["message"], error


@pytest.mark.parametrize("n", [900, 1500])
async def test_many_ors_are_refused_naming_the_limit(client: httpx.AsyncClient, n: int) -> None:
    r = await client.get(ITEMS, params={"filter": ors(n)})
    assert_refused(r, "too many conditions: at most 200 are allowed")


async def test_too_long_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    value = "description = '" + "x" * 20_000 + "'"
    r = await client.get(ITEMS, params={"filter": value})
    assert_refused(r, f"too long: {len(value)} characters, at most 20000 are allowed")


async def test_deep_groups_are_refused(client: httpx.AsyncClient) -> None:
    assert_refused(
        await client.get(ITEMS, params={"filter": nested_text(25)}),
        "nested too deeply: at most 20 levels of AND/OR/NOT groups are allowed",
    )
    # Deep parentheses: 400 levels, each a group.
    assert_refused(
        await client.get(ITEMS, params={"filter": nested_text(400)}),
        "nested too deeply: at most 20 levels",
    )


@pytest.mark.parametrize("depth", [21, 400, 1000])
async def test_deep_cql2_json_is_refused(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    # 400 levels overflow pygeofilter's recursive walk, 1000 json.loads itself (with the
    # length limit raised so that the parsers are reached at all).
    monkeypatch.setattr(get_settings(), "cql2_max_chars", 100_000)
    r = await client.get(ITEMS, params={"filter": nested_json(depth), "filter-lang": "cql2-json"})
    assert_refused(r, "nested too deeply: at most 20 levels")


async def test_within_the_limits_it_works(client: httpx.AsyncClient) -> None:
    hazard = await create(client, "hazards", point(GULOU))
    hid = hazard["id"]
    cases = {
        # 200 conditions, the most allowed; one of them is the hazard's id.
        " OR ".join(f"id = {hid + 1 + i}" for i in range(199)) + f" OR id = {hid}": [hid],
        # 20 levels of groups, the deepest allowed: id = hid OR (…).
        nested_text(20, first=hid): [hid],
        # Parentheses that group nothing add no depth.
        "(" * 400 + f"id = {hid}" + ")" * 400: [hid],
    }
    for cql, expected in cases.items():
        r = await client.get(ITEMS, params={"filter": cql})
        assert r.status_code == 200, r.text[:500]
        assert [f["id"] for f in r.json()["features"]] == expected
    # 20 NOTs: the deepest cql2-json allowed, true for the hazard.
    r = await client.get(ITEMS, params={"filter": nested_json(20, hid), "filter-lang": "cql2-json"})
    assert r.status_code == 200, r.text[:500]
    assert [f["id"] for f in r.json()["features"]] == [hid]


async def test_limits_are_settings(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "cql2_max_conditions", 2)
    assert_refused(await client.get(ITEMS, params={"filter": ors(3)}), "at most 2 are allowed")
    monkeypatch.setattr(settings, "cql2_max_depth", 1)
    assert_refused(await client.get(ITEMS, params={"filter": nested_text(2)}), "at most 1 levels")
    assert (await client.get(ITEMS, params={"filter": "id = 1 OR id = 2"})).status_code == 200
    monkeypatch.setattr(settings, "cql2_max_chars", 5)
    assert_refused(await client.get(ITEMS, params={"filter": "id = 1"}), "at most 5 are allowed")


async def test_over_real_http_the_answer_is_a_problem(live_server: str) -> None:
    """The 900 ORs that reset the connection of the running service, and the deep JSON."""
    async with httpx.AsyncClient(base_url=live_server, headers=auth_headers("admin"), timeout=30) as http:
        assert_refused(await http.get(ITEMS, params={"filter": ors(900)}), "too many conditions")
        r = await http.get(ITEMS, params={"filter": nested_json(400), "filter-lang": "cql2-json"})
        assert_refused(r, "nested too deeply")
        assert (await http.get("/healthz")).status_code == 200
