"""The demo ledger's attributes, drawn from one seeded generator: the same rows on every run.

Python decides *what* each row says (kind, category, wording, when it was reported and what the
workflow has done with it since) and *roughly where* it is (a county, and two numbers in [0, 1)
that pick a stretch of that county's roads and a place on it). PostGIS turns those numbers into a
geometry, a road and a chainage (``sql/insert.sql``), so that the placement follows whatever road
network is loaded.

Dates are counted back from the day of the load: the set always looks like the past year of a
county's work, reported a few a week, most of last year's closed out. The rows go in as reported
and then take the workflow's steps (``Step``): claim with a signature, start with measures and a
deadline, listing for supervision, rectification, close-out by another person, delisting,
rejection — each written as the workflow writes it, so the history records who did what.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from app import clock
from app.clock import BEIJING, day_of
from app.demo.texts import finding, segment_preamble
from app.vocab import Grade, Source, Status, Visibility

SEED = 371500  # the city's adcode; any constant would do, this one is easy to remember
POINTS = 300
SEGMENTS = 40
MIN_POINTS_PER_COUNTY = 20
SEGMENTS_PER_COUNTY = SEGMENTS // 8  # Liaocheng's eight counties, each with its own list

# Reported between this many days ago and yesterday; the day of the load is the demo's "today".
DAYS_BACK = 365

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
    name: str = ""


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
    deadline: date | None  # 整改时限, written by the start step
    uid: str = ""  # how the workflow's steps find the row once inserted: new on every load (loader)
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The row as it is inserted: reported, no deadline yet; the steps bring it to its status."""
        d = asdict(self)
        del d["steps"]
        d["reported_at"] = self.reported_at.isoformat()
        d["status"] = Status.reported.value
        d["deadline"] = None
        return d


@dataclass(frozen=True)
class Step:
    """One move of the workflow on one demo row: the action, when, who, and the columns it writes."""

    action: str  # claim, start, list, rectify, close, delist, reject (app.hazards.lifecycle.Action)
    at: datetime
    actor: str
    note: str | None
    values: dict[str, Any]


@dataclass(frozen=True)
class People:
    """Who works a county's ledger in the demo: the signing official, the officer, the verifier."""

    official: str
    post: str
    unit: str
    officer: str  # actor: 显示名（login）, as the service writes it
    verifier_name: str
    verifier: str


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = ("建国", "海涛", "志强", "文静", "晓东", "立新", "红梅", "振华", "国庆", "丽娜", "永刚", "春雷",
         "秀英", "卫东", "洪波", "玉兰", "明辉", "树林", "爱民", "俊峰")  # fmt: skip
COMMANDER = "赵振东（demo-command）"
INTERIM = (
    "设置临时警示标志和锥桶，夜间开启爆闪灯",
    "高峰时段安排民警、辅警现场疏导",
    "临时限速40公里/小时，加密巡逻",
    "设置临时减速带和警示桩",
)
VERIFICATIONS = (
    "现场核验，整改措施落实到位，同意销号",
    "经交警、交通运输部门联合复查，隐患已消除，同意销号",
    "复查合格，设施完好，予以销号",
)
LISTING = {
    "city": "重大隐患，整改难度大，市级挂牌督办",
    "county": "超期未整改，县级挂牌督办",
}
REJECTION = "现场已有相应安全设施，不予认定"


def people(county_code: str, county_name: str) -> People:
    """The county's people, the same on every load (seeded by the county's code)."""
    rng = random.Random(f"{SEED}-{county_code}")

    def name() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    title = "副区长" if county_name.endswith("区") else "副市长" if county_name.endswith("市") else "副县长"
    officer, verifier = name(), name()
    while verifier == officer:
        verifier = name()
    tag = county_code[-2:]
    return People(
        official=name(),
        post=title,
        unit=f"{county_name}人民政府",
        officer=f"{officer}（demo{tag}-officer）",
        verifier_name=verifier,
        verifier=f"{verifier}（demo{tag}-verifier）",
    )


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


def _reported_at(rng: random.Random, today: date) -> datetime:
    day = today - timedelta(days=rng.randrange(1, DAYS_BACK + 1))
    at = time(rng.randrange(8, 18), rng.randrange(60))
    return datetime.combine(day, at, tzinfo=BEIJING)


def _status(rng: random.Random, reported: datetime, today: date) -> Status:
    age = (today - reported.date()).days
    weights = next(w for limit, w in STATUS_WEIGHTS_BY_AGE if age < limit)
    return Status(_pick(rng, weights))


def _point_categories(rng: random.Random, available: set[str], n: int) -> list[str]:
    """Every category at least once, the rest by field frequency, shuffled."""
    weights = {c: POINT_CATEGORY_WEIGHTS.get(c, 1) for c in sorted(available)}
    chosen = sorted(available) + [_pick(rng, weights) for _ in range(n - len(available))]
    rng.shuffle(chosen)
    return chosen


def build(counties: list[County], categories: dict[str, str], now: datetime | None = None) -> list[Spec]:
    """The demo rows: ``categories`` maps each category code to its usual visibility; ``now`` is the
    moment of the load. Every date lies before the start of its day (Beijing), so that two loads on one
    day give the same rows."""
    today = day_of(now) if now else clock.today()
    now = datetime.combine(today, time.min, tzinfo=BEIJING)
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
            specs.append(
                _point(rng, len(specs) + 1, county.code, next(point_categories), categories, forced, today)
            )
        for _ in range(segment_counts[county.code]):
            specs.append(_segment(rng, len(specs) + 1, county.code, segment_weights, categories, today))
    staff = {c.code: people(c.code, c.name) for c in counties}
    return [replace(spec, steps=_workflow(rng, spec, staff[spec.county_code], now)) for spec in specs]


def _visibility(rng: random.Random, usual: str, flip: float) -> Visibility:
    # Usually what the category usually is; sometimes the brigade classed it otherwise.
    if rng.random() < flip:
        return Visibility.implicit if usual == Visibility.explicit else Visibility.explicit
    return Visibility(usual)


def _pool(category: str) -> str:
    return "ordinary" if category in NOT_ON_EXPRESSWAYS else "any"


def _deadline(status: Status, grade: Grade, reported: datetime) -> date | None:
    """整改时限: set when rectification starts, from the grade; none before that, none if rejected."""
    if status not in (Status.rectifying, Status.rectified, Status.closed):
        return None
    return reported.date() + timedelta(days=DAYS_TO_FIX[grade])


def _point(
    rng: random.Random,
    n: int,
    county: str,
    category: str,
    categories: dict[str, str],
    forced: Status | None,
    today: date,
) -> Spec:
    visibility = _visibility(rng, categories[category], 0.12)
    grade = Grade(_pick(rng, POINT_GRADE_WEIGHTS))
    reported = _reported_at(rng, today)
    status = _status(rng, reported, today)
    if forced is not None:
        status = forced
    found, advice = finding(category, rng.randrange(6))
    description = f"主要隐患：{found}。整改意见：{advice}。"
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
    rng: random.Random,
    n: int,
    county: str,
    weights: dict[str, int],
    categories: dict[str, str],
    today: date,
) -> Spec:
    category = _pick(rng, weights)
    # A segment is found by counting crashes: mostly 隐性, mostly from crash analysis.
    visibility = Visibility.implicit if rng.random() < 0.8 else Visibility(categories[category])
    grade = Grade(_pick(rng, SEGMENT_GRADE_WEIGHTS))
    reported = _reported_at(rng, today)
    status = _status(rng, reported, today)
    deaths = {Grade.general: 0, Grade.significant: rng.randrange(0, 2), Grade.major: rng.randrange(1, 5)}[
        grade
    ]
    crashes = rng.randrange(3, 13) + deaths
    injuries = rng.randrange(1, crashes + 1)
    found, advice = finding(category, rng.randrange(6))
    plan = f"主要隐患：{found}。整改意见：{advice}，一路段一方案。"
    description = f"{segment_preamble(crashes, deaths, injuries)}；{plan}"
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


# How far each status has come along the workflow.
_REACHED = {
    Status.reported: (),
    Status.claimed: ("claim",),
    Status.rectifying: ("claim", "start"),
    Status.rectified: ("claim", "start", "rectify"),
    Status.closed: ("claim", "start", "rectify", "close"),
    Status.rejected: ("reject",),
}


def _advice(description: str) -> str:
    return description.split("整改意见：", 1)[-1].rstrip("。").removesuffix("，一路段一方案")


def _workflow(rng: random.Random, spec: Spec, who: People, now: datetime) -> list[Step]:
    """The steps that brought ``spec`` from reported to its status, dated after its report and before now.

    Days after the report: claimed within 10, started within a week of that, fixed by the deadline
    mostly (one in six late), closed out within two weeks of the fix. A major or overdue open hazard may
    be listed for supervision; a closed one that was listed is delisted after its close-out.
    """
    status = Status(spec.status)
    reached = _REACHED[status]
    grade = Grade(spec.grade)
    days_to_fix = DAYS_TO_FIX[grade]
    claim = rng.uniform(0.5, 10)
    start = claim + rng.uniform(0.5, 7)
    late = rng.random() < 1 / 6
    fixed = (
        days_to_fix + rng.uniform(5, 40) if late else start + rng.uniform(0.3, 0.95) * (days_to_fix - start)
    )
    close = fixed + rng.uniform(1, 14)
    listed = start + rng.uniform(3, 30)
    reject = rng.uniform(2, 15)
    age = (now - spec.reported_at).total_seconds() / 86400
    # What was done by now; squeezed into the time there was when the report is recent.
    done = {"claim": claim, "start": start, "rectify": fixed, "close": close, "reject": reject}
    last = done[reached[-1]] if reached else 0
    squeeze = min(1.0, 0.9 * age / last) if last else 1.0
    deadline = spec.deadline
    overdue_by_now = status is Status.rectifying and deadline is not None and deadline < day_of(now)
    supervise = "start" in reached and (
        (grade is Grade.major and rng.random() < 0.5) or (overdue_by_now and rng.random() < 0.4)
    )

    def at(days: float) -> datetime:
        return (spec.reported_at + timedelta(days=days * squeeze)).replace(second=0, microsecond=0)

    advice = _advice(spec.description)
    steps: list[Step] = []
    if "claim" in reached:
        steps.append(Step("claim", at(claim), who.officer, None, {
            "status": Status.claimed.value, "claim_name": who.official, "claim_post": who.post,
            "claim_unit": who.unit, "claimed_at": at(claim),
        }))  # fmt: skip
    if "start" in reached:
        steps.append(Step("start", at(start), who.officer, None, {
            "status": Status.rectifying.value, "measures": advice, "interim_measures": rng.choice(INTERIM),
            "deadline": deadline,
        }))  # fmt: skip
    if supervise:
        level = "city" if grade is Grade.major else "county"
        # Listed before it was fixed, and never after the load: a row still being worked on was
        # listed within the time it has had.
        when = at(min(listed, fixed - 0.5) if "rectify" in reached else min(listed, 0.95 * age / squeeze))
        steps.append(Step("list", when, COMMANDER, LISTING[level], {
            "supervision_level": level, "supervision_reason": LISTING[level], "supervised_since": when,
        }))  # fmt: skip
    if "rectify" in reached:
        steps.append(Step("rectify", at(fixed), who.officer, None, {
            "status": Status.rectified.value, "evidence": f"已完成：{advice}。整改前后照片已存档。",
            "rectified_by": who.officer, "rectified_at": at(fixed),
        }))  # fmt: skip
    if "close" in reached:
        steps.append(Step("close", at(close), who.verifier, None, {
            "status": Status.closed.value, "verifier": who.verifier_name,
            "verification": rng.choice(VERIFICATIONS), "closed_at": at(close),
        }))  # fmt: skip
        if supervise:
            delisted = min(at(close) + timedelta(hours=4), now - timedelta(minutes=10))
            steps.append(Step("delist", delisted, COMMANDER, None, {
                "supervision_level": None, "supervision_reason": None, "supervised_since": None,
            }))  # fmt: skip
    if "reject" in reached:
        steps.append(Step("reject", at(reject), who.officer, REJECTION, {
            "status": Status.rejected.value, "reject_reason": REJECTION,
        }))  # fmt: skip
    return steps
