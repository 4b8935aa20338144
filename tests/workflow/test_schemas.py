"""The transition body as a discriminated union on ``action``: each action's own fields, no database."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import InvalidInput
from app.workflow.schemas import ClaimIn, ListIn, TransitionIn
from app.workflow.service import _validate


def refusal(body: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as exc:
        _validate(body)
    return [(e.field, e.message) for e in exc.value.errors]


def test_each_action_gets_its_own_model() -> None:
    claim = _validate({"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"})
    assert isinstance(claim, ClaimIn)
    assert (claim.name, claim.post, claim.unit) == ("张三", "副区长", "东昌府区人民政府")
    listed = _validate({"action": "list", "level": "city", "reason": "重大隐患"})
    assert isinstance(listed, ListIn)
    assert listed.level == "city"


def test_the_action_is_named_when_missing_wrong_or_unknown() -> None:
    assert refusal({"name": "张三"}) == [("action", "Field required")]
    assert refusal({"action": 3}) == [("action", "Input should be a valid string")]
    assert refusal({"action": "fix"}) == [
        (
            "action",
            "unknown action 'fix'; one of: claim, start, rectify, close, reject, duplicate, reopen, list, "
            "delist",
        )
    ]
    assert refusal([]) == [("body", "send a JSON object with an 'action' and its fields")]


def test_a_field_is_named_without_the_union_tag() -> None:
    assert refusal({"action": "list", "level": "province"}) == [
        ("level", "Input should be 'city' or 'county'")
    ]
    assert refusal({"action": "claim", "signature": "x"}) == [("signature", "Extra inputs are not permitted")]


def test_another_actions_field_says_whose_it_is() -> None:
    assert refusal({"action": "claim", "photos": [1]}) == [
        ("photos", "photos are evidence of 'rectify', not of 'claim'")
    ]
    assert refusal({"action": "start", "level": "city"}) == [("level", "a field of 'list', not of 'start'")]


def test_the_document_marks_what_the_workflow_table_requires() -> None:
    members = {
        m["properties"]["action"]["const"]: m for m in TransitionIn.model_json_schema()["$defs"].values()
    }
    assert members["claim"]["required"] == ["action", "name", "post", "unit"]
    assert members["list"]["required"] == ["action", "level", "reason"]
    assert members["delist"]["required"] == ["action"]
    assert set(members["rectify"]["properties"]) == {"action", "note", "evidence", "photos"}
