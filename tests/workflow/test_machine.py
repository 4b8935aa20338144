"""Every (state, action) pair through the API: allowed ones move, refused ones say why and change nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.hazards.lifecycle import Action
from app.vocab import Status
from app.workflow.schemas import MODELS
from tests.support.hazards import GULOU, LIUYUAN, create, point
from tests.support.workflow import row, transition

# Written out by hand rather than read from machine.TABLE, so that the test can disagree with it.
MOVES: dict[tuple[str, str], str] = {
    ("reported", "claim"): "claimed",
    ("reported", "reject"): "rejected",
    ("reported", "duplicate"): "duplicate",
    ("reported", "list"): "reported",
    ("claimed", "start"): "rectifying",
    ("claimed", "reject"): "rejected",
    ("claimed", "duplicate"): "duplicate",
    ("claimed", "list"): "claimed",
    ("rectifying", "rectify"): "rectified",
    ("rectifying", "list"): "rectifying",
    ("rectified", "close"): "closed",
    ("rectified", "list"): "rectified",
    ("closed", "reopen"): "rectifying",
    ("closed", "delist"): "closed",
}
ALLOWED_FROM = {
    "reported": "claim, reject, duplicate, list",
    "claimed": "start, reject, duplicate, list",
    "rectifying": "rectify, list",
    "rectified": "close, list",
    "closed": "reopen, delist",
}

# Every field any action needs (each action is sent its own), so that only the state decides.
FULL = {
    "name": "张三",
    "post": "副区长",
    "unit": "东昌府区人民政府",
    "measures": "增设减速带和警告标志",
    "interim_measures": "设置临时限速40",
    "evidence": "已施工, 见照片",
    "verifier": "李四",
    "verification": "现场核验合格",
    "reason": "理由",
    "level": "city",
}


def refusal(state: str, action: str) -> str:
    if state in ("rejected", "duplicate"):
        return f"'{action}' is not allowed: a hazard in state '{state}' is final and allows no action"
    allowed = ALLOWED_FROM[state]
    if action == "delist":
        return (
            f"'delist' is not allowed from state '{state}': a hazard is delisted only once closed; "
            f"allowed from '{state}': {allowed}"
        )
    return f"'{action}' is not allowed from state '{state}'; allowed from '{state}': {allowed}"


def test_the_table_covers_every_pair() -> None:
    assert len(Status) * len(Action) == 63


@pytest.mark.parametrize("state", Status.codes())
@pytest.mark.parametrize("action", Action.codes())
async def test_every_state_and_action(
    client: httpx.AsyncClient, engine: AsyncEngine, state: str, action: str
) -> None:
    other = await create(client, "hazards", point(LIUYUAN))
    hazard = await create(client, "hazards", point(GULOU))
    hazard_id = hazard["id"]
    async with engine.begin() as conn:
        # Put the hazard straight into the state; a closed one is listed so that delist can apply.
        await conn.execute(
            text(
                "UPDATE hazards SET status = CAST(:s AS text),"
                " supervision_level = CASE WHEN CAST(:s AS text) = 'closed' THEN 'city' END WHERE id = :id"
            ),
            {"s": state, "id": hazard_id},
        )
    before = await row(engine, hazard_id)
    # Each action takes its own fields only (another action's field is refused by name).
    own = MODELS[Action(action)].model_fields
    body = {"action": action, **{k: v for k, v in {"of": other["id"], **FULL}.items() if k in own}}
    r = await transition(client, hazard_id, f'"{before["version"]}"', body)
    after = await row(engine, hazard_id)
    if (state, action) in MOVES:
        assert r.status_code == 200, r.text
        assert r.json()["properties"]["status"] == MOVES[(state, action)]
        assert after["status"] == MOVES[(state, action)]
        assert after["version"] == before["version"] + 1
        assert r.headers["ETag"] == f'"{after["version"]}"'
    else:
        assert r.status_code == 409, r.text
        assert r.json()["detail"] == refusal(state, action)
        assert after == before
