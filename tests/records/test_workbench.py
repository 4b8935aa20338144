"""The workbench's pages and the search, in process: home by role, the record page, search, /docs offline."""

from __future__ import annotations

import re

import httpx
import pytest

from app.accounts.permissions import Principal, Role
from app.hazards.lifecycle import Action
from app.records.schemas import SearchAnswer
from app.workflow.service import offered
from tests.support.accounts import auth_headers
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point, segment
from tests.support.workflow import transition


async def test_home_sends_a_stranger_to_the_login_page(anonymous: httpx.AsyncClient) -> None:
    r = await anonymous.get("/")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2F"


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("admin", {"card-todo", "card-field", "card-wall", "card-admin", "card-exports"}, set()),
        ("county_officer", {"card-todo", "card-field", "card-exports"}, {"card-wall", "card-admin"}),
        ("verifier", {"card-todo", "card-exports"}, {"card-field", "card-admin", "card-wall"}),
        ("commander", {"card-todo", "card-wall"}, {"card-field", "card-admin"}),
    ],
)
async def test_home_by_role(
    clients: dict[str, httpx.AsyncClient], role: str, present: set[str], absent: set[str]
) -> None:
    r = await clients[role].get("/")
    assert r.status_code == 200
    cards = set(re.findall(r'id="(card-[a-z]+)"', r.text))
    assert present <= cards and not (absent & cards), cards
    assert 'class="hm-nav"' in r.text
    if role == "county_officer":
        assert 'href="/map/371502"' in r.text and 'href="/map/371521"' not in r.text


async def test_record_page_and_its_kind(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU, description="路口视距不良", address="古楼路口"))
    props = h["properties"]
    r = await client.get(f"/hazards/{props['id']}")
    assert r.status_code == 200, r.text
    assert props["ledger_no"] in r.text and "路口视距不良" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    wrong = await client.get(f"/segments/{props['id']}")
    assert (wrong.status_code, wrong.headers["location"]) == (303, f"/hazards/{props['id']}")
    assert (await client.get("/hazards/999999")).status_code == 404
    assert (await client.get(f"/hazards/{props['id']}/print")).status_code == 200


def who(role: Role, counties: tuple[str, ...] = ("371502",), login: str = "x") -> Principal:
    return Principal("user", 1, login, "某人", role, frozenset(counties))


def test_offered_follows_the_table_the_role_and_the_county() -> None:
    officer, verifier, commander = who(Role.county_officer), who(Role.verifier), who(Role.commander)
    assert offered(
        officer, status="reported", county_code="371502", supervision_level=None, rectified_by=None
    ) == [
        Action.claim,
        Action.reject,
        Action.duplicate,
    ]
    assert (
        offered(officer, status="reported", county_code="371521", supervision_level=None, rectified_by=None)
        == []
    )
    assert offered(
        commander, status="claimed", county_code="371521", supervision_level=None, rectified_by=None
    ) == [Action.list]
    assert (
        offered(
            commander, status="claimed", county_code="371521", supervision_level="city", rectified_by=None
        )
        == []
    )
    assert offered(
        commander, status="closed", county_code="371521", supervision_level="city", rectified_by=None
    ) == [Action.delist]
    assert offered(
        verifier, status="rectified", county_code="371502", supervision_level=None, rectified_by="a"
    ) == [Action.close]
    admin = who(Role.admin, (), "boss")
    assert Action.close not in offered(
        admin, status="rectified", county_code="371502", supervision_level=None, rectified_by=admin.actor
    )


async def test_search_by_ledger_number_road_and_words(client: httpx.AsyncClient) -> None:
    a = await create(client, "hazards", point(GULOU, description="护栏缺失", address="古楼路口"))
    b = await create(client, "hazards", point(BOJIQIAO, description="标志被遮挡"))
    no = a["properties"]["ledger_no"]
    r = await client.get("/api/v1/search", params={"q": no})
    assert r.status_code == 200
    body = r.json()
    SearchAnswer.model_validate(body)
    assert (body["match"], body["exact"], body["results"][0]["id"]) == ("ledger_no", True, a["id"])
    assert body["results"][0]["url"] == f"/hazards/{a['id']}"
    words = (await client.get("/api/v1/search", params={"q": "遮挡"})).json()
    assert words["match"] == "text" and [x["id"] for x in words["results"]] == [b["id"]]
    percent = (await client.get("/api/v1/search", params={"q": "%"})).json()
    assert percent["results"] == []
    bad = await client.get("/api/v1/search", params={"q": ""})
    assert bad.status_code == 422
    page = await client.get("/search", params={"q": no})
    assert (page.status_code, page.headers["location"]) == (303, f"/hazards/{a['id']}")
    none = await client.get("/search", params={"q": "没有这种描述"})
    assert none.status_code == 200 and "没有找到" in none.text


async def test_docs_and_redoc_load_nothing_from_outside(anonymous: httpx.AsyncClient) -> None:
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        r = await anonymous.get(path)
        assert r.status_code == 200
        assert "cdn.jsdelivr.net" not in r.text and "fonts.googleapis.com" not in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        src = re.search(rf'src="([^"]*{re.escape(asset)})"', r.text)
        assert src is not None
        js = await anonymous.get(src.group(1))
        assert js.status_code == 200 and len(js.content) > 100_000


async def test_close_is_not_offered_to_the_rectifier(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU))
    for body in (
        {"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"},
        {"action": "start", "measures": "增设标志", "interim_measures": "限速"},
        {"action": "rectify", "evidence": "已完成"},
    ):
        etag = (await client.get(f"/api/v1/hazards/{h['id']}")).headers["ETag"]
        assert (await transition(client, h["id"], etag, body)).status_code == 200
    mine = await client.get(f"/hazards/{h['id']}")
    assert 'data-action="close"' not in mine.text
    other = await client.get(f"/hazards/{h['id']}", headers=auth_headers("admin2"))
    assert 'data-action="close"' in other.text


async def test_segment_record_in_english_with_its_history_in_words(client: httpx.AsyncClient) -> None:
    s = await create(client, "segments", segment([GULOU, LIUYUAN], description="急弯路段"))
    etag = (await client.get(f"/api/v1/segments/{s['id']}")).headers["ETag"]
    r = await client.post(
        f"/api/v1/segments/{s['id']}/transitions",
        json={"action": "reject", "reason": "不属于事故易发路段"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    zh = await client.get(f"/segments/{s['id']}")
    assert zh.status_code == 200
    assert "路段档案" in zh.text and "不予认定理由" in zh.text
    assert re.search(r"测试管理员（t-admin）于 20\d\d-\d\d-\d\d \d\d:\d\d 不予认定", zh.text)
    assert "状态：已上报 → 不予认定" in zh.text
    en = await client.get(f"/segments/{s['id']}", params={"lang": "en"})
    assert "Segment record" in en.text and "Status: reported → rejected" in en.text
    assert re.search(r"测试管理员（t-admin）, 20\d\d-\d\d-\d\d \d\d:\d\d: reject", en.text)
