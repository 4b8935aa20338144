"""The ledger (台账) of a jurisdiction as JSON, CSV (UTF-8 with BOM) and XLSX, with Chinese headers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import invalid
from app.hazards.schemas import HazardFilter
from app.ledger import repository
from app.settings import get_settings
from app.spreadsheets import csv_value, xlsx_row
from app.vocab import (
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

SUPERVISION_LEVEL_EN = {"city": "city-listed", "county": "county-listed"}


@lru_cache(maxsize=2)
def _labels(lang: str) -> str:
    """The vocabulary's display text in the page's language (the API and the files are Chinese)."""
    zh = lang == "zh"

    def words(vocab: Any) -> dict[str, str]:
        return {m.value: (m.zh if zh else m.en) for m in vocab}

    return json.dumps(
        {
            "lang": "zh" if zh else "en",
            "status": words(Status),
            "grade": words(Grade),
            "visibility": words(Visibility),
            "source": words(Source),
            "direction": words(Direction),
            "supervision_level": SUPERVISION_LEVEL_ZH if zh else SUPERVISION_LEVEL_EN,
            "supervised": {"true": "是", "false": "否"} if zh else {"true": "yes", "false": "no"},
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
            writer.writerow(["" if row[k] is None else csv_value(row[k]) for k, _ in COLUMNS])
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
            ws.append(xlsx_row(ws, [row[k] for k, _ in COLUMNS]))
        ws.freeze_panes = "C2"  # headers and the ledger number stay in view
        for letter, (key, title) in zip(_letters(len(COLUMNS)), COLUMNS, strict=True):
            ws.column_dimensions[letter].width = WIDE.get(key, max(8, 2 * len(title) + 2))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26) for i in range(n)]


async def ledger(
    session: AsyncSession, jurisdiction: str | None, only: HazardFilter | None = None, lang: str = "zh"
) -> Ledger:
    """The rows of the city, a county or zone, or a township that match the hazard list's filters; the
    labels in Chinese (the 台账 as offices keep it) or, for the page in English, in English."""

    code = jurisdiction or get_settings().city_code
    found = await repository.jurisdiction(session, code)
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
    rows = await repository.rows_json(
        session,
        only or HazardFilter(),
        county=county,
        township=township,
        labels=_labels(lang),
        tz=clock.TIME_ZONE,
    )
    return Ledger(code, name, level, rows)


def describe(only: HazardFilter, lang: str = "zh") -> str:
    """The filter in words, as the printed ledger states it; empty when every row is kept."""
    zh = lang == "zh"
    sep = "、" if zh else ", "
    parts: list[str] = []

    def say(zh_label: str, en_label: str, values: list[str]) -> None:
        parts.append((zh_label + "：" if zh else en_label + ": ") + sep.join(values))

    if only.status:
        say("状态", "status", [Status(s).zh if zh else Status(s).en for s in only.status])
    if only.road_group:
        groups = [RoadGroup(g).zh if zh else RoadGroup(g).en for g in only.road_group if g != "none"]
        if "none" in only.road_group:
            groups.append("不在已知道路上" if zh else "on no known road")
        say("道路", "roads", groups)
    if only.road:
        say("路线", "road", list(only.road))
    if only.category:
        say("类别", "category", list(only.category))
    if only.grade:
        say("等级", "grade", [Grade(g).zh if zh else Grade(g).en for g in only.grade])
    if only.visibility:
        say(
            "显性/隐性", "visibility", [Visibility(v).zh if zh else Visibility(v).en for v in only.visibility]
        )
    if only.township:
        say("乡镇", "township", list(only.township))
    if only.reported_from or only.reported_to:
        days = [clock.day_of(m).isoformat() if m else "…" for m in (only.reported_from, only.reported_to)]
        say("发现日期", "reported", ["–".join(days)])
    if only.overdue:
        parts.append("仅超期" if zh else "overdue only")
    if only.supervised:
        parts.append("仅挂牌督办" if zh else "supervised only")
    return ("；" if zh else "; ").join(parts)
