"""Accident-prone points and segments (事故易发多发点段) found in the crash records, in PostGIS.

Along every route (the pieces sharing a road code, measured by chainage across piece
boundaries), a window of exact length (per road class) starts at each crash and counts the
crashes of a time window it holds; windows that meet a threshold are flagged, flagged windows
that share a crash are merged into a segment (at most a maximum length), and points are the
busiest windows of twice the point radius. Crashes within the point radius of a junction of two
routes are one point, on whichever road each was placed. All of it is set-wise SQL
(``sql/detect_*.sql``); Python chooses the parameters and places the findings on the road through
the roads' linear referencing. Each finding becomes a candidate with its evidence, which an
officer accepts into the ledger or dismisses. Crashes placed on no road are reported by the run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.clock import BEIJING
from app.crashes import repository
from app.crashes.vocab import CandidateKind, CandidateStatus
from app.errors import Conflict, NotFound, invalid
from app.notifications import service as notifications
from app.roads.chainage import format_chainage
from app.roads.linear import Executor, nearest_road, point_at_chainage, stretch_between
from app.settings import get_settings
from app.vocab import Grade, HazardKind, RoadClass, Source, Status, Visibility

PKG = "app.crashes"

# The rules, by the name a candidate's ``reasons`` lists; the column each one counts in the SQL.
RULES = {
    "fatal_crashes": ("fatal", "min_fatal"),
    "major_crashes": ("major", "min_major"),
    "ordinary_crashes": ("ordinary", "min_ordinary"),
    "crashes": ("n", "min_any"),
}
# The names of the rules a row of counts (n, fatal, major, ordinary) meets; 0 turns a rule off.
_REASONS = (
    "array_remove(ARRAY["
    + ", ".join(
        f"CASE WHEN CAST(:{p} AS integer) > 0 AND {col} >= CAST(:{p} AS integer) THEN '{name}' END"
        for name, (col, p) in RULES.items()
    )
    + "]::text[], NULL)"
)


@dataclass(frozen=True)
class Thresholds:
    """A window (or a point's radius) is flagged when it holds at least one of these."""

    min_fatal_crashes: int = 3
    min_major_crashes: int = 2  # crashes with at least ``major_deaths`` deaths each
    major_deaths: int = 3
    min_ordinary_crashes: int = 5
    min_crashes: int = 0


@dataclass(frozen=True)
class DetectionParams:
    since: datetime
    until: datetime
    window_m: float
    point_radius_m: float
    max_segment_m: float
    thresholds: Thresholds
    window_m_by_class: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The parameters a candidate records (times apart: they have their own columns)."""
        out = asdict(self)
        del out["since"], out["until"]
        out.update(out.pop("thresholds"))
        return out


def _years_before(t: datetime, years: int) -> datetime:
    try:
        return t.replace(year=t.year - years)
    except ValueError:  # 29 February
        return t.replace(year=t.year - years, day=28)


def detection_params(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    years: int | None = None,
    window_m: float | None = None,
    window_m_by_class: dict[str, float] | None = None,
    point_radius_m: float | None = None,
    max_segment_m: float | None = None,
    min_fatal_crashes: int | None = None,
    min_major_crashes: int | None = None,
    major_deaths: int | None = None,
    min_ordinary_crashes: int | None = None,
    min_crashes: int | None = None,
) -> DetectionParams:
    """The run's parameters: what is given, else the settings; refused when they cannot work."""
    s = get_settings()

    def pick(value: Any, default: Any) -> Any:
        return default if value is None else value

    until = pick(until, datetime.now(UTC))
    assert until is not None
    if until.tzinfo is None:
        raise invalid("until", "give a time zone (e.g. 2026-01-01T00:00:00+08:00)")
    n_years = pick(years, s.detect_years)
    if n_years < 1:
        raise invalid("years", "must be 1 or more")
    since = pick(since, _years_before(until, n_years))
    assert since is not None
    if since.tzinfo is None:
        raise invalid("since", "give a time zone (e.g. 2023-01-01T00:00:00+08:00)")
    if since >= until:
        raise invalid("since", "must be before until")
    params = DetectionParams(
        since=since,
        until=until,
        window_m=float(pick(window_m, s.detect_window_m)),
        window_m_by_class=dict(pick(window_m_by_class, s.detect_window_m_by_class)),
        point_radius_m=float(pick(point_radius_m, s.detect_point_radius_m)),
        max_segment_m=float(pick(max_segment_m, s.detect_max_segment_m)),
        thresholds=Thresholds(
            min_fatal_crashes=pick(min_fatal_crashes, s.detect_min_fatal_crashes),
            min_major_crashes=pick(min_major_crashes, s.detect_min_major_crashes),
            major_deaths=pick(major_deaths, s.detect_major_deaths),
            min_ordinary_crashes=pick(min_ordinary_crashes, s.detect_min_ordinary_crashes),
            min_crashes=pick(min_crashes, s.detect_min_crashes),
        ),
    )
    _check(params)
    return params


def _check(p: DetectionParams) -> None:
    lengths = {
        "window_m": p.window_m,
        **{f"window_m_by_class.{k}": v for k, v in p.window_m_by_class.items()},
    }
    for name, length in lengths.items():
        if not (math.isfinite(length) and 1 <= length <= 100_000):
            raise invalid(name, "must be a length between 1 m and 100 km")
    unknown = sorted(set(p.window_m_by_class) - set(RoadClass.codes()))
    if unknown:
        raise invalid(
            f"window_m_by_class.{unknown[0]}",
            f"not a road class; expected one of {', '.join(RoadClass.codes())}",
        )
    radius = p.point_radius_m
    if not (math.isfinite(radius) and 0.5 <= radius <= 5_000):
        raise invalid("point_radius_m", "must be between 0.5 m and 5 km")
    longest = max(lengths.values())
    if not (math.isfinite(p.max_segment_m) and longest <= p.max_segment_m <= 100_000):
        raise invalid(
            "max_segment_m", f"must be at least the longest window ({longest:g} m) and at most 100 km"
        )
    t = p.thresholds
    for name in ("min_fatal_crashes", "min_major_crashes", "min_ordinary_crashes", "min_crashes"):
        if not 0 <= getattr(t, name) <= 1_000_000:
            raise invalid(name, "must be 0 (rule off) or a count of crashes")
    if not any(
        getattr(t, n)
        for n in ("min_fatal_crashes", "min_major_crashes", "min_ordinary_crashes", "min_crashes")
    ):
        raise invalid("thresholds", "every rule is off (all minimums 0): nothing could be flagged")
    if t.major_deaths < 1:
        raise invalid("major_deaths", "must be 1 or more")


@dataclass(frozen=True)
class OffNetworkCrash:
    """A crash of the time window that lies on no road of the network, so no finding can hold it."""

    id: int
    occurred_at: datetime
    lon: float
    lat: float
    snap_distance_m: float | None  # how far the nearest road was when it was imported
    source_ref: str | None


@dataclass(frozen=True)
class DetectionSummary:
    since: datetime
    until: datetime
    crashes_considered: int  # on the network, in the time window
    segments_found: int
    points_found: int  # junction points included
    junction_points_found: int
    proposed: int  # stored as candidates
    already_decided: int  # found again but overlapping an accepted or dismissed candidate
    off_network: list[OffNetworkCrash]  # in the time window but on no road: not considered
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["since"] = self.since.isoformat()
        out["until"] = self.until.isoformat()
        out["off_network_count"] = len(self.off_network)
        for c in out["off_network"]:
            c["occurred_at"] = c["occurred_at"].isoformat()
        return out


# The pieces of SQL the detection's files are given for their markers.
_PIECES: dict[str, dict[str, str]] = {
    "detect_windows": {"reasons": _REASONS},
    "detect_junctions": {"reasons": _REASONS},
    "detect_evidence": {"reasons": _REASONS},
    "detect_store": {"reasons": _REASONS},
}


async def _run(db: Executor, name: str, params: dict[str, Any]) -> None:
    await repository.detection_step(db, name, params, **_PIECES.get(name, {}))


async def _rows(db: Executor, name: str, params: dict[str, Any]) -> list[Any]:
    return await repository.detection_rows(db, name, params, **_PIECES.get(name, {}))


async def _junction_points(db: Executor, params: dict[str, Any]) -> int:
    """Place each junction finding on its route (the chainage of the crossing) as a point."""
    await _run(db, "detect_junctions", params)
    junctions = await _rows(db, "detect_junction_list", params)
    for j in junctions:
        at = await nearest_road(db, j.lon, j.lat, route=j.code)
        assert at is not None  # the crossing lies on a piece of that route
        await _run(
            db, "detect_junction_found", params | {"j": j.j, "m": at.chainage_m, "road_id": at.road_id}
        )
    return len(junctions)


async def _place(db: Executor) -> None:
    """Each finding's road piece and geometry, from its chainage along the route (linear referencing)."""
    for f in await _rows(db, "detect_found_list", {}):
        if f.kind == CandidateKind.point:
            at = await point_at_chainage(db, f.code, f.point_m)
            road_id, ewkt = at.road_id, at.ewkt
        else:
            stretch = await stretch_between(db, f.code, f.start_m, f.end_m)
            road_id, ewkt = stretch.road_id, stretch.ewkt
        await _run(db, "detect_place", {"id": f.id, "road": road_id, "ewkt": ewkt})


async def run_detection(
    db: Executor, p: DetectionParams, progress: Callable[[str, float], Awaitable[None]] | None = None
) -> DetectionSummary:
    """Find the accident-prone points and segments and store them as candidates (flushes only);
    ``progress(step, fraction)`` is told of each step (a job's progress)."""

    async def step(name: str, fraction: float) -> None:
        if progress is not None:
            await progress(name, fraction)

    started = time.perf_counter()
    t = p.thresholds
    params: dict[str, Any] = {
        "since": p.since,
        "until": p.until,
        "window_m": p.window_m,
        "windows": json.dumps(p.window_m_by_class),
        "radius": p.point_radius_m,
        "max_len": p.max_segment_m,
        "major_deaths": t.major_deaths,
        "min_fatal": t.min_fatal_crashes,
        "min_major": t.min_major_crashes,
        "min_ordinary": t.min_ordinary_crashes,
        "min_any": t.min_crashes,
        "params": json.dumps(p.as_json()),
    }
    steps = ("detect_prepare", "detect_windows", "detect_segments", "detect_points")
    for i, name in enumerate(steps):
        await step(name.removeprefix("detect_"), 0.05 + 0.1 * i)
        await _run(db, name, params)
    await step("junctions", 0.45)
    await _junction_points(db, params)
    await step("evidence", 0.6)
    await _run(db, "detect_evidence", params)
    (found,) = await _rows(db, "detect_counts", {})
    await step("placing", 0.7)
    await _place(db)
    await step("storing", 0.85)
    await _run(db, "detect_store", params)
    # In the run's transaction: the candidates and their notifications are stored together or not at all.
    await notifications.record_candidates(db)
    proposed = await repository.open_candidate_count(db)
    off = [
        OffNetworkCrash(r.id, r.occurred_at, r.lon, r.lat, r.snap_distance_m, r.source_ref)
        for r in await _rows(db, "detect_off_network", params)
    ]
    return DetectionSummary(
        since=p.since,
        until=p.until,
        crashes_considered=int(found.crashes),
        segments_found=found.segments,
        points_found=found.points,
        junction_points_found=found.junctions,
        proposed=proposed,
        already_decided=found.segments + found.points - proposed,
        off_network=off,
        seconds=round(time.perf_counter() - started, 3),
    )


# -- the officer's decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedCandidate:
    candidate_id: int
    hazard_id: int
    ledger_no: str
    kind: str


async def _locked(db: Executor, candidate_id: int) -> Any:
    row = await repository.lock_candidate(db, candidate_id)
    if row is None:
        raise NotFound(
            detail=f"there is no candidate {candidate_id} (a new detection run replaces the pending ones)"
        )
    return row


def _where(c: Any) -> str:
    if c.kind == CandidateKind.point:
        return format_chainage(c.point_chainage_m) or ""
    return format_chainage(c.start_chainage_m, c.end_chainage_m) or ""


def _evidence_text(c: Any) -> str:
    return (
        f"事故分析：{c.since.astimezone(BEIJING):%Y-%m-%d}至{c.until.astimezone(BEIJING):%Y-%m-%d}，"
        f"{c.road_code} {_where(c)}"
        f"共{c.crash_count}起事故（死亡{c.deaths}人，受伤{c.injuries}人，"
        f"亡人事故{c.fatal_crashes}起，一般程序事故{c.ordinary_crashes}起）。"
    )


async def accept_candidate(
    db: Executor,
    candidate_id: int,
    *,
    category: str,
    actor: str,
    grade: str = Grade.general.value,
    direction: int | None = None,
    description: str | None = None,
) -> AcceptedCandidate:
    """Put a candidate into the ledger as a 隐性 point or segment hazard (source: crash analysis).

    The INSERT goes through the ledger's triggers, which assign county, township and ledger
    number and write the history, as for any other hazard.
    """
    c = await _locked(db, candidate_id)
    if c.status == CandidateStatus.accepted:
        raise Conflict(detail=f"candidate {candidate_id} is already in the ledger as {c.ledger_no}")
    if not await repository.category_active(db, category):
        raise invalid(
            "category", f"unknown category {category!r}; use a code such as XL01 (see the categories)"
        )
    if grade not in Grade.codes():
        raise invalid("grade", f"expected one of: {', '.join(Grade.codes())}")
    if direction is not None and direction not in (1, 2, 3):
        raise invalid("direction", "expected 1 (decreasing chainage), 2 (increasing) or 3 (both)")
    point = c.kind == CandidateKind.point
    hazard = await repository.insert_hazard_from_candidate(
        db,
        {
            "id": candidate_id,
            "kind": HazardKind.point.value if point else HazardKind.segment.value,
            "category": category,
            "visibility": Visibility.implicit.value,
            "grade": grade,
            "source": Source.crash_analysis.value,
            "description": description or _evidence_text(c),
            "address": f"{c.road_code} {_where(c)}",
            "status": Status.reported.value,
            "chainage_m": c.point_chainage_m if point else c.start_chainage_m,
            "end_chainage_m": None if point else c.end_chainage_m,
            "direction": direction,
            "actor": actor,
        },
    )
    await repository.mark_accepted(db, candidate_id, hazard.id, actor)
    return AcceptedCandidate(candidate_id, hazard.id, hazard.ledger_no, c.kind)


async def dismiss_candidate(db: Executor, candidate_id: int, *, actor: str, note: str | None = None) -> None:
    """Set a candidate aside; the next detection run does not propose that stretch again."""
    c = await _locked(db, candidate_id)
    if c.status == CandidateStatus.accepted:
        raise Conflict(
            detail=f"candidate {candidate_id} is in the ledger as {c.ledger_no}: close that hazard instead"
        )
    await repository.mark_dismissed(db, candidate_id, actor, note)
