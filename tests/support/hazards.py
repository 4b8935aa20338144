"""Known places, and helpers to post hazards through the GeoJSON API."""

from __future__ import annotations

from typing import Any

import httpx

# Township seats (WGS84, from geodata-src/townships) well inside their county: a hazard there
# gets that county and that township (the nearest seat).
GULOU = (115.959865, 36.461981)  # 古楼街道, 东昌府区 371502, township 371502001
LIUYUAN = (115.98072, 36.427957)  # 柳园街道, 东昌府区, township 371502002
BOJIQIAO = (115.786678, 36.108843)  # 博济桥街道, 阳谷县 371521, township 371521001
YANTA = (115.642994, 36.243962)  # 燕塔街道, 莘县 371522, township 371522001
XINFA = (116.242304, 36.610003)  # 信发街道, 茌平区 371503, township 371523002
TONGCHENG = (116.23917, 36.323517)  # 铜城街道, 东阿县 371524, township 371524001
CHONGWEN = (115.425369, 36.488854)  # 崇文街道, 冠县 371525, township 371525002
XIANFENGLU = (115.700086, 36.850965)  # 先锋路街道, 临清市 371581, township 371581003

BEIJING_2026 = "2026-03-02T09:30:00+08:00"


def point(lonlat: tuple[float, float], **properties: Any) -> dict[str, Any]:
    props = {"category": "JC01", "reported_at": BEIJING_2026, **properties}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(lonlat)},
        "properties": props,
    }


def segment(coords: list[tuple[float, float]], **properties: Any) -> dict[str, Any]:
    props = {"category": "XL04", "reported_at": BEIJING_2026, **properties}
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
        "properties": props,
    }


async def create(
    client: httpx.AsyncClient, path: str, feature: dict[str, Any], **params: Any
) -> dict[str, Any]:
    # Many tests put hazards of one category on one spot; the duplicate check has tests of its own.
    params.setdefault("on_duplicate", "create")
    r = await client.post(f"/api/v1/{path}", json=feature, params=params)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


# The refusal of a line that crosses or touches itself.
CROSSING = "the line crosses or touches itself; a segment is one stretch of road, drawn once"
