"""The ledger (台账) of a jurisdiction as JSON, CSV (UTF-8 with BOM) and XLSX, with Chinese headers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import invalid
from app.roads.chainage import chainage_sql
from app.settings import get_settings
from app.sqlfiles import load
from app.vocab import (
    OPEN_STATUSES,
    Direction,
    Grade,
    JurisdictionLevel,
    RoadGroup,
    Source,
    Status,
    Visibility,
)

# (key in the JSON rows, the ledger's header), in the order of a Chinese ledger.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("no", "序号"),
    ("ledger_no", "隐患编号"),
    ("county", "所属县(市、区)"),
    ("township", "乡镇(街道)"),
    ("road_code", "道路编号"),
    ("chainage", "桩号"),
    ("place", "路段位置"),
    ("direction", "方向"),
    ("category", "隐患类别"),
    ("description", "隐患描述(主要隐患)"),
    ("visibility", "显性/隐性"),
    ("grade", "等级"),
    ("reported_at", "发现时间"),
    ("source", "来源"),
    ("claim_name", "认领人"),
    ("claim_post", "认领人职务"),
    ("claim_unit", "认领单位"),
    ("claimed_at", "认领时间"),
    ("interim_measures", "临时管控措施"),
    ("measures", "整改措施"),
    ("deadline", "整改时限"),
    ("status", "状态"),
    ("rectified_at", "整改完成时间"),
    ("closed_at", "销号时间"),
    ("verifier", "核验人"),
    ("supervised", "是否挂牌督办"),
    ("supervision_level", "挂牌督办级别"),
)
HEADERS = [title for _, title in COLUMNS]
# 挂牌督办级别: who listed the hazard for supervision.
SUPERVISION_LEVEL_ZH = {"city": "市级挂牌", "county": "县级挂牌"}
# The wide text columns of the XLSX (characters).
WIDE = {"measures": 30, "claim_unit": 24, "description": 30, "interim_measures": 24, "place": 20}
TIMEZONE = "Asia/Shanghai"

_LABELS = json.dumps(
    {
        "status": {s.value: s.zh for s in Status},
        "grade": {g.value: g.zh for g in Grade},
        "visibility": {v.value: v.zh for v in Visibility},
        "source": {s.value: s.zh for s in Source},
        "direction": {d.value: d.zh for d in Direction},
        "supervision_level": SUPERVISION_LEVEL_ZH,
    },
    ensure_ascii=False,
)


@dataclass(frozen=True)
class Ledger:
    code: str
    name: str
    level: str
    rows_json: str  # built by PostgreSQL

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.rows_json)
        return rows

    def as_json(self) -> str:
        head = json.dumps(
            {
                "jurisdiction": {"code": self.code, "name": self.name},
                "columns": [dict(key=k, title=t) for k, t in COLUMNS],
            },
            ensure_ascii=False,
        )
        return f'{head[:-1]}, "rows": {self.rows_json}}}'

    def as_csv(self) -> bytes:
        out = io.StringIO()
        # CRLF, as Excel writes it; the BOM makes Excel and WPS read UTF-8 rather than GBK.
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in self.rows():
            writer.writerow(["" if row[k] is None else row[k] for k, _ in COLUMNS])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    def as_xlsx(self) -> bytes:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "隐患台账"
        ws.append(HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in self.rows():
            ws.append([row[k] for k, _ in COLUMNS])
        ws.freeze_panes = "C2"  # headers and the ledger number stay in view
        for letter, (key, title) in zip(_letters(len(COLUMNS)), COLUMNS, strict=True):
            ws.column_dimensions[letter].width = WIDE.get(key, max(8, 2 * len(title) + 2))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26) for i in range(n)]


@dataclass(frozen=True)
class LedgerFilter:
    """Which rows of the ledger: every one by default. The API, the downloads and the page share it."""

    statuses: tuple[str, ...] = ()
    road_groups: tuple[str, ...] = ()  # RoadGroup codes, or "none" for hazards on no known road
    supervised_only: bool = False

    @classmethod
    def parse(cls, status: str | None, road_group: str | None, supervised: bool) -> LedgerFilter:
        """From the query's comma-separated codes; ``open`` stands for every open status."""
        statuses: list[str] = []
        for code in _split(status):
            if code == "open":
                statuses += [s.value for s in OPEN_STATUSES]
            elif code in Status.codes():
                statuses.append(code)
            else:
                raise invalid("status", f"unknown status {code!r}; one of open, {', '.join(Status.codes())}")
        groups = _split(road_group)
        for code in groups:
            if code not in (*RoadGroup.codes(), "none"):
                raise invalid(
                    "road_group", f"unknown road group {code!r}; one of {', '.join(RoadGroup.codes())}, none"
                )
        return cls(tuple(dict.fromkeys(statuses)), tuple(dict.fromkeys(groups)), supervised)

    def describe(self, lang: str = "zh") -> str:
        """The filter in words, as the printed ledger states it; empty when every row is kept."""
        zh = lang == "zh"
        parts = []
        if self.statuses:
            parts.append(("状态：" if zh else "status: ") + _join([Status(s) for s in self.statuses], zh))
        if self.road_groups:
            groups = [RoadGroup(g).zh if zh else RoadGroup(g).en for g in self.road_groups if g != "none"]
            if "none" in self.road_groups:
                groups.append("不在已知道路上" if zh else "on no known road")
            parts.append(("道路：" if zh else "roads: ") + ("、" if zh else ", ").join(groups))
        if self.supervised_only:
            parts.append("仅挂牌督办" if zh else "supervised only")
        return ("；" if zh else "; ").join(parts)

    def query(self) -> list[tuple[str, str]]:
        """The filter as query parameters, for links to the same rows in another format."""
        q = []
        if self.statuses:
            q.append(("status", ",".join(self.statuses)))
        if self.road_groups:
            q.append(("road_group", ",".join(self.road_groups)))
        if self.supervised_only:
            q.append(("supervised", "true"))
        return q


def _join(labels: list[Status], zh: bool) -> str:
    return ("、" if zh else ", ").join(s.zh if zh else s.en for s in labels)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def ledger(session: AsyncSession, jurisdiction: str | None, only: LedgerFilter | None = None) -> Ledger:
    code = jurisdiction or get_settings().city_code
    found = (
        await session.execute(
            text("SELECT name, level FROM jurisdictions WHERE code = :code"), {"code": code}
        )
    ).one_or_none()
    if found is None:
        raise invalid("jurisdiction", f"unknown jurisdiction code {code}")
    name, level = found
    county = township = None
    if level in (JurisdictionLevel.county, JurisdictionLevel.zone):
        county = code
    elif level == JurisdictionLevel.township:
        township = code
    elif level != JurisdictionLevel.city:
        raise invalid("jurisdiction", "a ledger is kept for the city, a county or zone, or a township")
    sql = load("app.ledger", "rows").replace("/*chainage*/", chainage_sql("h.chainage_m", "h.end_chainage_m"))
    only = only or LedgerFilter()
    rows = await session.execute(
        text(sql),
        {
            "labels": _LABELS,
            "tz": TIMEZONE,
            "county": county,
            "township": township,
            "statuses": list(only.statuses) or None,
            "road_groups": list(only.road_groups) or None,
            "supervised_only": only.supervised_only,
        },
    )
    return Ledger(code, name, level, str(rows.scalar_one()))
