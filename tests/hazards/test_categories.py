from __future__ import annotations

import httpx

from app.categories.schemas import CategoryOut


async def test_categories(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/categories")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    categories = r.json()
    assert len(categories) == 23
    for c in categories:
        CategoryOut.model_validate(c)
    assert [c["code"] for c in categories][:3] == ["HJ01", "HJ02", "HJ03"]
    assert next(c for c in categories if c["code"] == "XL01") == {
        "code": "XL01",
        "group": "XL",
        "group_zh": "线形",
        "group_en": "alignment",
        "name_zh": "急弯",
        "name_en": "sharp curve",
        "usual_visibility": "explicit",
        "active": True,
    }
    assert sum(c["usual_visibility"] == "implicit" for c in categories) == 6
