"""Periodic reports: a quarter (2026Q3), a half-year (2026H2) or a year (2026), per county and for the city.

PostgreSQL counts (sql/*.sql); this module names the periods, works out the rates and the changes,
and shapes the report that the JSON, the XLSX and the PDF all show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.errors import invalid
from app.reports import repository
from app.settings import get_settings
from app.vocab import Grade, JurisdictionLevel, RoadGroup

_PERIOD = re.compile(r"^(\d{4})(?:([QH])([1-4]))?$")


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date  # the day after the last

    @property
    def label(self) -> str:
        year, kind, n = _parts(self.code)
        if kind == "Q":
            return f"{year}年第{'一二三四'[n - 1]}季度"
        if kind == "H":
            return f"{year}年{'上' if n == 1 else '下'}半年"
        return f"{year}年"

    def as_json(self) -> dict[str, Any]:
        last = self.end - timedelta(days=1)
        return {
            "code": self.code,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "last_day": last,
        }


def _parts(code: str) -> tuple[int, str, int]:
    m = _PERIOD.match(code)
    assert m is not None
    return int(m[1]), m[2] or "", int(m[3] or 0)


def _period(year: int, kind: str, n: int) -> Period:
    if kind == "Q":
        start, end = date(year, 3 * n - 2, 1), (date(year, 3 * n + 1, 1) if n < 4 else date(year + 1, 1, 1))
        return Period(f"{year}Q{n}", start, end)
    if kind == "H":
        start, end = date(year, 6 * n - 5, 1), (date(year, 7, 1) if n == 1 else date(year + 1, 1, 1))
        return Period(f"{year}H{n}", start, end)
    return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))


def parse_period(code: str) -> tuple[Period, Period, Period]:
    """The period, the one before it (Q2 before Q3, H1 before H2, last year), and the same a year earlier."""
    m = _PERIOD.match(code.strip().upper())
    if m is None:
        raise invalid("period", "a year (2026), a quarter (2026Q3) or a half-year (2026H2)")
    year, kind, n = int(m[1]), m[2] or "", int(m[3] or 0)
    if not 2000 <= year <= 2100 or (kind == "H" and n not in (1, 2)) or (kind == "Q" and not 1 <= n <= 4):
        raise invalid("period", "a year 2000–2100, quarters Q1–Q4, half-years H1–H2")
    current = _period(year, kind, n)
    if kind == "":
        previous = _period(year - 1, "", 0)
    else:
        last = 4 if kind == "Q" else 2
        previous = _period(year, kind, n - 1) if n > 1 else _period(year - 1, kind, last)
    return current, previous, _period(year - 1, kind, n)


# -- figures ---------------------------------------------------------------------------------------
COUNTS = ("found", "rejected", "rectified", "closed", "timed_closed", "closed_on_time", "overdue", "listed")
EMPTY = dict.fromkeys(COUNTS, 0)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def figures(c: dict[str, int], delisted: int | None = None) -> dict[str, Any]:
    """Counts and rates of one unit and period. 整改率 = rectified / (found − rejected);
    按期整改率 = closed on time / closed with a deadline."""
    out: dict[str, Any] = {
        "found": c["found"],
        "closed": c["closed"],
        "rectified": c["rectified"],
        "rectification_rate": _ratio(c["rectified"], c["found"] - c["rejected"]),
        "on_time_rate": _ratio(c["closed_on_time"], c["timed_closed"]),
        "overdue": c["overdue"],
        "supervised": c["listed"],
    }
    if delisted is not None:
        out["delisted"] = delisted
    return out


def change(now: int, before: int) -> dict[str, Any]:
    return {"change": now - before, "change_pct": round((now - before) / before * 100, 1) if before else None}


@dataclass(frozen=True)
class Report:
    body: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.body["jurisdiction"]["code"])

    @property
    def period(self) -> str:
        return str(self.body["period"]["code"])


async def check(session: AsyncSession, jurisdiction: str | None, period_code: str) -> tuple[str, str, str]:
    """Refuse a report that cannot be made; its jurisdiction's code, name and level."""
    parse_period(period_code)
    code = jurisdiction or get_settings().city_code
    row = await repository.jurisdiction(session, code)
    if row is None:
        raise invalid("jurisdiction", f"unknown jurisdiction code {code}")
    name, level = row
    if level not in (JurisdictionLevel.city, JurisdictionLevel.county, JurisdictionLevel.zone):
        raise invalid("jurisdiction", "a report is made for the city, a county or a development zone")
    return code, name, level


async def report(session: AsyncSession, jurisdiction: str | None, period_code: str) -> Report:
    current, previous, year_earlier = parse_period(period_code)
    code, name, level = await check(session, jurisdiction, period_code)
    county = None if level == JurisdictionLevel.city else code
    today = clock.today()
    bounds = {
        "tz": clock.TIME_ZONE,
        "county": county,
        "cur_start": current.start,
        "cur_end": current.end,
        "prev_start": previous.start,
        "prev_end": previous.end,
    }
    ledger_rows = await repository.ledger(session, bounds, today)
    delisted_rows = await repository.delisted(session, bounds)
    crash_rows = await repository.crashes(
        session,
        {
            "tz": clock.TIME_ZONE,
            "county": county,
            "cur_start": current.start,
            "cur_end": current.end,
            "ago_start": year_earlier.start,
            "ago_end": year_earlier.end,
        },
    )
    units = await repository.units(session, code, with_counties=county is None)
    categories = await repository.category_names(session)

    def counts(period: str, unit: str | None, dim: str = "total", key: str | None = None) -> dict[str, int]:
        for r in ledger_rows:
            if r["period"] == period and r["county_code"] == unit and r["dim"] == dim and r["key"] == key:
                return {k: r[k] for k in COUNTS}
        return dict(EMPTY)

    def delisted(period: str, unit: str | None) -> int:
        return next(
            (r["delisted"] for r in delisted_rows if r["period"] == period and r["county_code"] == unit), 0
        )

    def crashes(period: str, unit: str | None) -> dict[str, int]:
        for r in crash_rows:
            if r["period"] == period and r["county_code"] == unit:
                return {"crashes": r["crashes"], "deaths": r["deaths"]}
        return {"crashes": 0, "deaths": 0}

    out_units = []
    for u_code, u_name, u_level in units:
        # The city's figures are the (p) grouping set: county_code NULL; a county report has no city row.
        key = None if u_level == JurisdictionLevel.city else u_code
        cur = figures(counts("current", key), delisted("current", key))
        prev = figures(counts("previous", key), delisted("previous", key))
        now_c, ago_c = crashes("current", key), crashes("year_earlier", key)
        out_units.append(
            {
                "code": u_code,
                "name": u_name,
                "level": u_level,
                "current": cur,
                "previous": prev,
                "change": {
                    k: change(cur[k], prev[k])
                    for k in ("found", "closed", "rectified", "overdue", "supervised", "delisted")
                },
                "by_road_group": {
                    g: {
                        "current": figures(counts("current", key, "road_group", g)),
                        "previous": figures(counts("previous", key, "road_group", g)),
                    }
                    for g in [*RoadGroup.codes(), "none"]
                },
                "by_grade": {
                    g: {
                        "current": figures(counts("current", key, "grade", g)),
                        "previous": figures(counts("previous", key, "grade", g)),
                    }
                    for g in Grade.codes()
                },
                "by_category": [
                    {
                        "code": c,
                        "name_zh": categories.get(c, c),
                        "current": figures(counts("current", key, "category", c)),
                        "previous": figures(counts("previous", key, "category", c)),
                    }
                    for c in sorted(
                        {
                            str(r["key"])
                            for r in ledger_rows
                            if r["dim"] == "category"
                            and r["county_code"] == key
                            and r["found"] + r["closed"] > 0
                        }
                    )
                ],
                "crashes": {
                    "current": now_c,
                    "year_earlier": ago_c,
                    "change": {k: change(now_c[k], ago_c[k]) for k in ("crashes", "deaths")},
                    # 双下降: both the number of crashes and of deaths fell against a year earlier.
                    "double_decline": now_c["crashes"] < ago_c["crashes"]
                    and now_c["deaths"] < ago_c["deaths"],
                },
            }
        )
    return Report(
        {
            "jurisdiction": {"code": code, "name": name, "level": level},
            "period": current.as_json(),
            "previous_period": previous.as_json(),
            "year_earlier": year_earlier.as_json(),
            "made_at": clock.now().strftime("%Y-%m-%d %H:%M"),
            "timezone": clock.TIME_ZONE,
            "units": out_units,
        }
    )
