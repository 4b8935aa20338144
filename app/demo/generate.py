"""The demo ledger's attributes, drawn from one seeded generator: the same rows on every run.

Python decides *what* each row says (kind, category, status, dates, wording) and *roughly
where* it is (a county, and two numbers in [0, 1) that pick a stretch of that county's roads
and a place on it). PostGIS turns those numbers into a geometry, a road and a chainage
(``sql/insert.sql``), so that the placement follows whatever road network is loaded.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.demo.texts import finding, segment_preamble
from app.vocab import Grade, Source, Status, Visibility

SEED = 371500  # the city's adcode; any constant would do, this one is easy to remember
POINTS = 300
SEGMENTS = 40
MIN_POINTS_PER_COUNTY = 20
SEGMENTS_PER_COUNTY = SEGMENTS // 8  # Liaocheng's eight counties, each with its own list

BEIJING = ZoneInfo("Asia/Shanghai")
# The demo's own "today": fixed, so that the set does not change with the day it is loaded.
# Deadlines before the real today make some open rows overdue, as in any live ledger.
FIRST_DAY = date(2025, 1, 2)
AS_OF = date(2026, 11, 20)

# How often each category turns up in the field. Liaocheng is a plain cut by rivers and
# canals: crossings and villages dominate, steep grades are rare.
POINT_CATEGORY_WEIGHTS: dict[str, int] = {
    "JC01": 9, "HJ01": 6, "SS01": 5, "SS02": 5, "LC02": 5, "XL01": 4, "XL05": 4, "HJ02": 4,
    "JC02": 4, "LC01": 3, "LC03": 3, "SS03": 3, "SS04": 3, "HJ03": 3, "HJ05": 3, "LM01": 3,
    "JC03": 2, "XL02": 2, "HJ04": 2, "LM02": 2, "LM03": 2, "XL03": 1, "XL04": 1,
}  # fmt: skip
# An accident-prone segment is named for the defect that explains its crashes.
SEGMENT_CATEGORY_WEIGHTS: dict[str, int] = {
    "HJ01": 5, "JC01": 4, "JC03": 3, "XL01": 2, "SS03": 2, "LM02": 2, "HJ05": 2, "XL05": 1,
}  # fmt: skip

SOURCE_WEIGHTS: dict[str, dict[Source, int]] = {
    Visibility.explicit: {
        Source.inspection: 55,
        Source.public_report: 20,
        Source.procuratorate: 10,
        Source.project_review: 10,
        Source.crash_analysis: 5,
    },
    Visibility.implicit: {
        Source.crash_analysis: 50,
        Source.inspection: 25,
        Source.project_review: 15,
        Source.procuratorate: 5,
        Source.public_report: 5,
    },
}
POINT_GRADE_WEIGHTS = {Grade.general: 60, Grade.significant: 30, Grade.major: 10}
SEGMENT_GRADE_WEIGHTS = {Grade.general: 30, Grade.significant: 45, Grade.major: 25}
# 整改时限 by grade: a general hazard (a sign, a marking) gets a quarter; a major one is an
# engineering project under listed supervision (挂牌督办) and gets half a year.
DAYS_TO_FIX = {Grade.general: 90, Grade.significant: 120, Grade.major: 180}

# Older rows are mostly closed (销号); recent ones mostly still being worked on.
STATUS_WEIGHTS_BY_AGE: list[tuple[int, dict[Status, int]]] = [
    (60, {Status.reported: 35, Status.claimed: 30, Status.rectifying: 20, Status.rectified: 5,
          Status.closed: 3, Status.rejected: 7}),
    (180, {Status.reported: 5, Status.claimed: 15, Status.rectifying: 35, Status.rectified: 15,
           Status.closed: 25, Status.rejected: 5}),
    (365, {Status.reported: 2, Status.claimed: 5, Status.rectifying: 15, Status.rectified: 10,
           Status.closed: 62, Status.rejected: 6}),
    (10_000, {Status.claimed: 1, Status.rectifying: 3, Status.rectified: 2, Status.closed: 88,
              Status.rejected: 6}),
]  # fmt: skip


# Hazards of villages, schools, markets and at-grade crossings: an expressway has none of these.
NOT_ON_EXPRESSWAYS = frozenset({"JC01", "JC02", "JC03", "HJ01", "HJ02", "HJ03", "LC03", "XL05"})


@dataclass(frozen=True)
class County:
    code: str
    road_m: float  # length of the county's roads that can carry a point


@dataclass(frozen=True)
class Spec:
    """One demo row before PostGIS places it."""

    n: int  # 1-based position in the set; ties in reported_at are ordered by it
    kind: str
    county_code: str
    u: float  # which stretch: a share of the county's road length
    v: float  # where on that stretch
    pool: str  # which roads: 'any', or 'ordinary' (not an expressway)
    offset_m: float  # beside the road, left (<0) or right (>0); 0 = on the centre line
    length_m: float | None  # segments: 500–2000 m
    carriageway: int  # 1 or 2: the direction used on a dual carriageway (expressways)
    category_code: str
    visibility: str
    grade: str
    source: str
    status: str
    description: str
    reported_at: datetime
    deadline: date | None

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["reported_at"] = self.reported_at.isoformat()
        d["deadline"] = self.deadline.isoformat() if self.deadline else None
        return d


def allocate(counties: list[County], total: int, floor: int) -> dict[str, int]:
    """Share ``total`` over the counties by road length, at least ``floor`` each (largest remainder)."""
    counties = sorted(counties, key=lambda c: c.code)
    spare = total - floor * len(counties)
    if spare < 0:
        raise ValueError(f"{total} rows cannot give {floor} to each of {len(counties)} counties")
    weight = sum(c.road_m for c in counties) or 1.0
    exact = {c.code: spare * c.road_m / weight for c in counties}
    counts = {code: floor + int(x) for code, x in exact.items()}
    left = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda code: (-(exact[code] - int(exact[code])), code))
    for code in by_remainder[:left]:
        counts[code] += 1
    return counts


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _reported_at(rng: random.Random) -> datetime:
    day = FIRST_DAY + timedelta(days=rng.randrange((AS_OF - FIRST_DAY).days + 1))
    at = time(rng.randrange(8, 18), rng.randrange(60))
    return datetime.combine(day, at, tzinfo=BEIJING)


def _status(rng: random.Random, reported: datetime) -> Status:
    age = (AS_OF - reported.date()).days
    weights = next(w for limit, w in STATUS_WEIGHTS_BY_AGE if age < limit)
    return Status(_pick(rng, weights))


def _point_categories(rng: random.Random, available: set[str], n: int) -> list[str]:
    """Every category at least once, the rest by field frequency, shuffled."""
    weights = {c: POINT_CATEGORY_WEIGHTS.get(c, 1) for c in sorted(available)}
    chosen = sorted(available) + [_pick(rng, weights) for _ in range(n - len(available))]
    rng.shuffle(chosen)
    return chosen


def build(counties: list[County], categories: dict[str, str]) -> list[Spec]:
    """The demo rows: ``categories`` maps each category code to its usual visibility."""
    rng = random.Random(SEED)
    if len(categories) > POINTS:
        raise ValueError("more categories than demo points")
    point_counts = allocate(counties, POINTS, MIN_POINTS_PER_COUNTY)
    point_categories = iter(_point_categories(rng, set(categories), POINTS))
    segment_weights = {c: w for c, w in SEGMENT_CATEGORY_WEIGHTS.items() if c in categories}
    # As many segments in every county: an accident-prone segment list is drawn up per county.
    segment_counts = allocate([County(c.code, 1.0) for c in counties], SEGMENTS, SEGMENTS // len(counties))

    specs: list[Spec] = []
    for county in sorted(counties, key=lambda c: c.code):
        for i in range(point_counts[county.code]):
            # The first two rows of each county guarantee one open and one closed row there.
            forced = {0: Status.rectifying, 1: Status.closed}.get(i)
            specs.append(_point(rng, len(specs) + 1, county.code, next(point_categories), categories, forced))
        for _ in range(segment_counts[county.code]):
            specs.append(_segment(rng, len(specs) + 1, county.code, segment_weights, categories))
    return specs


def _visibility(rng: random.Random, usual: str, flip: float) -> Visibility:
    # Usually what the category usually is; sometimes the brigade classed it otherwise.
    if rng.random() < flip:
        return Visibility.implicit if usual == Visibility.explicit else Visibility.explicit
    return Visibility(usual)


def _pool(category: str) -> str:
    return "ordinary" if category in NOT_ON_EXPRESSWAYS else "any"


def _deadline(status: Status, grade: Grade, reported: datetime) -> date | None:
    if status == Status.rejected:
        return None
    return reported.date() + timedelta(days=DAYS_TO_FIX[grade])


def _point(
    rng: random.Random,
    n: int,
    county: str,
    category: str,
    categories: dict[str, str],
    forced: Status | None,
) -> Spec:
    visibility = _visibility(rng, categories[category], 0.12)
    grade = Grade(_pick(rng, POINT_GRADE_WEIGHTS))
    reported = _reported_at(rng)
    status = _status(rng, reported)
    if forced is not None:
        status = forced
    found, advice = finding(category, rng.randrange(6))
    description = f"主要隐患:{found}。整改意见:{advice}。"
    if status == Status.rejected:
        description += "核查意见:现场已有相应安全设施,不予认定。"
    beside = rng.random() < 0.45
    return Spec(
        n=n,
        kind="point",
        county_code=county,
        u=rng.random(),
        v=rng.random(),
        pool=_pool(category),
        offset_m=round(rng.choice((-1, 1)) * rng.uniform(5, 25), 1) if beside else 0.0,
        length_m=None,
        carriageway=rng.choice((1, 2)),
        category_code=category,
        visibility=visibility,
        grade=grade,
        source=_pick(rng, SOURCE_WEIGHTS[visibility]),
        status=status,
        description=description,
        reported_at=reported,
        deadline=_deadline(status, grade, reported),
    )


def _segment(
    rng: random.Random, n: int, county: str, weights: dict[str, int], categories: dict[str, str]
) -> Spec:
    category = _pick(rng, weights)
    # A segment is found by counting crashes: mostly 隐性, mostly from crash analysis.
    visibility = Visibility.implicit if rng.random() < 0.8 else Visibility(categories[category])
    grade = Grade(_pick(rng, SEGMENT_GRADE_WEIGHTS))
    reported = _reported_at(rng)
    status = _status(rng, reported)
    deaths = {Grade.general: 0, Grade.significant: rng.randrange(0, 2), Grade.major: rng.randrange(1, 5)}[
        grade
    ]
    crashes = rng.randrange(3, 13) + deaths
    injuries = rng.randrange(1, crashes + 1)
    found, advice = finding(category, rng.randrange(6))
    description = (
        f"{segment_preamble(crashes, deaths, injuries)};主要隐患:{found}。整改意见:{advice},一路段一方案。"
    )
    source = Source.crash_analysis if rng.random() < 0.8 else Source.inspection
    return Spec(
        n=n,
        kind="segment",
        county_code=county,
        u=rng.random(),
        v=rng.random(),
        pool=_pool(category),
        offset_m=0.0,
        length_m=float(rng.randrange(500, 2001, 100)),
        carriageway=rng.choice((1, 2)),
        category_code=category,
        visibility=visibility,
        grade=grade,
        source=source,
        status=status,
        description=description,
        reported_at=reported,
        deadline=_deadline(status, grade, reported),
    )
