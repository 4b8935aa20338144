"""What a CQL2 filter may name in each collection (OGC API – Features Part 3 "queryables").

The allow-list of the filter: a property not listed here is refused, and every name maps to a fixed
SQL expression of ours over the collection's table alias (``h``, ``r``, ``j``); nothing a client
sends becomes an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.hazards import provider
from app.vocab import Grade, JurisdictionLevel, RoadClass, RoadGroup, Source, Status, Visibility


class Type(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    timestamp = "timestamp"
    geometry = "geometry"


@dataclass(frozen=True)
class Queryable:
    sql: str
    type: Type
    title: str
    enum: tuple[str, ...] = ()
    geometry_type: str = ""

    def schema(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"title": self.title}
        if self.type is Type.geometry:
            doc["format"] = f"geometry-{self.geometry_type}"
        elif self.type is Type.date:
            doc.update(type="string", format="date")
        elif self.type is Type.timestamp:
            doc.update(type="string", format="date-time")
        else:
            doc["type"] = self.type.value
        if self.enum:
            doc["enum"] = list(self.enum)
        return doc


def _q(sql: str, type_: Type, title: str, enum: tuple[str, ...] = (), geometry: str = "") -> Queryable:
    return Queryable(sql, type_, title, enum, geometry)


S, INT, N, B, D, T, G = (
    Type.string,
    Type.integer,
    Type.number,
    Type.boolean,
    Type.date,
    Type.timestamp,
    Type.geometry,
)


def _hazards(geometry_type: str) -> dict[str, Queryable]:
    P = provider.PROPERTIES  # the hazards' SQL is the provider's
    return {
        "geometry": _q(P["geometry"], G, "位置 Location", geometry=geometry_type),
        "id": _q(P["id"], INT, "编号 Id"),
        "ledger_no": _q(P["ledger_no"], S, "隐患编号 Ledger number"),
        "category": _q(P["category"], S, "隐患类别 Category code"),
        "visibility": _q(P["visibility"], S, "显性/隐性 Visibility", tuple(Visibility.codes())),
        "grade": _q(P["grade"], S, "等级 Grade", tuple(Grade.codes())),
        "source": _q(P["source"], S, "来源 Source", tuple(Source.codes())),
        "status": _q(P["status"], S, "状态 Status", tuple(Status.codes())),
        "description": _q(P["description"], S, "描述 Description"),
        "address": _q(P["address"], S, "路段位置 Address"),
        "county": _q(P["county"], S, "所属县(市、区) County code"),
        "township": _q(P["township"], S, "乡镇(街道) Township code"),
        "road_code": _q(P["road_code"], S, "道路编号 Road code"),
        "chainage_m": _q(P["chainage_m"], N, "桩号(米) Chainage in metres"),
        "end_chainage_m": _q(P["end_chainage_m"], N, "终点桩号(米) End chainage in metres"),
        "direction": _q(P["direction"], INT, "方向 Direction (1, 2, 3)"),
        "reported_at": _q(P["reported_at"], T, "发现时间 Reported at"),
        "deadline": _q(P["deadline"], D, "整改时限 Deadline"),
        "supervised": _q(P["supervised"], B, "是否挂牌督办 Supervised"),
        "supervision_level": _q(P["supervision_level"], S, "督办级别 Supervision level"),
        "created_at": _q(P["created_at"], T, "创建时间 Created at"),
        "updated_at": _q(P["updated_at"], T, "更新时间 Updated at"),
        "demo": _q(P["demo"], B, "演示数据 Demo data"),
    }


QUERYABLES: dict[str, dict[str, Queryable]] = {
    "hazards": _hazards("point"),
    "segments": _hazards("linestring"),
    "roads": {
        "geometry": _q("r.geom", G, "线形 Line", geometry="multilinestring"),
        "id": _q("r.id", INT, "编号 Id"),
        "code": _q("r.code", S, "道路编号 Route code"),
        "name": _q("r.name", S, "名称 Name"),
        "class": _q("r.road_class", S, "道路等级 Class", tuple(RoadClass.codes())),
        "road_group": _q("r.layer_group", S, "图层 Road group", tuple(RoadGroup.codes())),
        "start_chainage_m": _q("r.start_chainage_m", N, "起点桩号(米) Start chainage"),
        "length_m": _q("r.length_m", N, "长度(米) Length in metres"),
        "schematic": _q("r.schematic", B, "示意线形 Schematic"),
    },
    "jurisdictions": {
        "geometry": _q("j.geom", G, "边界 Outline", geometry="multipolygon"),
        "code": _q("j.code", S, "代码 Code"),
        "name": _q("j.name", S, "名称 Name"),
        "level": _q("j.level", S, "级别 Level", tuple(JurisdictionLevel.codes())),
        "parent": _q("j.parent_code", S, "上级代码 Parent code"),
    },
}


def schema(cid: str, url: str) -> dict[str, Any]:
    """The collection's queryables as a JSON Schema (Part 3, /req/queryables)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": cid,
        "properties": {name: q.schema() for name, q in QUERYABLES[cid].items()},
        "additionalProperties": False,
    }
