"""Checking each row on its own (vocabulary, dates, 桩号, geometry) before it is staged.

No database here: what needs the network or the outlines (a 桩号 beyond the road's end, a point
outside the city) is checked set-wise in SQL once the rows are staged (``sql/check.sql``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import shapely

from app.clock import BEIJING
from app.errors import InvalidInput
from app.geodata.reading import cell
from app.hazards.validation import SELF_CROSSING
from app.imports.reading import Field, Rows
from app.roads.chainage import parse_chainage
from app.vocab import Grade, HazardKind, Labelled, Source, Status, Visibility

# Lengths of the hazards columns these go to.
MAX_LENGTH = {
    Field.claim_name: 64,
    Field.claim_post: 64,
    Field.claim_unit: 128,
    Field.rectified_by: 64,
    Field.verifier: 64,
    Field.road_code: 16,
}
TIMES = (Field.reported_at, Field.claimed_at, Field.rectified_at, Field.closed_at)
TEXTS = (
    Field.description, Field.address, Field.claim_name, Field.claim_post, Field.claim_unit,
    Field.measures, Field.rectified_by, Field.verifier,
)  # fmt: skip
EARLIEST_YEAR = 1990
LATEST_YEAR = 2199  # a deadline (整改时限) beyond this is a typing slip


# Most ledger rows come from field inspection (排查); a file without a source column means that.
DEFAULT_SOURCE = Source.inspection


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    usual_visibility: str


def _vocabulary(enum: type[Labelled]) -> dict[str, str]:
    """Code, Chinese label and English label, all → the code (case-insensitive keys)."""
    out: dict[str, str] = {}
    for m in enum:
        for key in (m.value, m.zh, m.en):
            out[key.lower()] = m.value
    return out


VISIBILITY = _vocabulary(Visibility)
GRADE = _vocabulary(Grade)
SOURCE = _vocabulary(Source)
STATUS = _vocabulary(Status)


def kind_and_geometry(geom: Any) -> tuple[str, Any]:
    if geom is None or shapely.is_empty(geom):
        raise ValueError("empty geometry")
    kind = geom.geom_type
    if kind == "MultiPoint" and shapely.get_num_geometries(geom) == 1:
        geom = shapely.get_geometry(geom, 0)
    elif kind == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type == "LineString":
            geom = merged
    if geom.geom_type == "Point":
        return HazardKind.point.value, geom
    if geom.geom_type == "LineString":
        if not geom.is_simple:
            raise ValueError(SELF_CROSSING)
        return HazardKind.segment.value, geom
    raise ValueError(f"wrong geometry type {kind} (expected a point or one connected line)")


class RowError(ValueError):
    """One row refused: the field (the file's column where there is one) and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Checker:
    rows: Rows
    categories: dict[str, CategoryInfo]
    now: datetime

    def column(self, f: Field) -> str:
        return self.rows.column_of.get(f, f.value)

    def fail(self, f: Field | str, reason: str) -> RowError:
        return RowError(self.column(f) if isinstance(f, Field) else f, reason)

    def vocab(self, f: Field, value: Any, vocabulary: dict[str, str], default: str | None) -> str:
        s = cell(value)
        if not s:
            if default is None:
                raise self.fail(f, f"missing {f.value}")
            return default
        code = vocabulary.get(s.lower())
        if code is None:
            raise self.fail(f, f"unknown {f.value} {s!r}")
        return code

    def category(self, value: Any) -> CategoryInfo:
        s = cell(value)
        if not s:
            raise self.fail(Field.category, "missing category")
        for key in (s, s.split()[0], s.upper(), s.split()[0].upper()):
            if key in self.categories:
                return self.categories[key]
        raise self.fail(Field.category, f"unknown category {s!r}")

    def time(self, f: Field, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            t = pd.Timestamp(value)
        else:
            s = cell(value)
            if not s:
                return None
            if isinstance(value, int | float):
                raise self.fail(f, f"{s} is a number, not a date")
            try:
                t = pd.Timestamp(s)
            except (ValueError, TypeError):
                raise self.fail(
                    f, f"unreadable date {s!r} (expected e.g. 2025-03-05 or 2025-03-05 14:20)"
                ) from None
        if pd.isna(t):
            return None
        out = t.to_pydatetime()
        # A time without a zone is Beijing time, as every ledger writes it.
        out = out.replace(tzinfo=BEIJING) if out.tzinfo is None else out
        if out > self.now + timedelta(minutes=10):
            raise self.fail(f, f"{out:%Y-%m-%d %H:%M} is in the future")
        if out.year < EARLIEST_YEAR:
            raise self.fail(f, f"{out:%Y-%m-%d} is before {EARLIEST_YEAR}")
        return out

    def day(self, f: Field, value: Any) -> date | None:
        if isinstance(value, datetime):
            out = value.date()
        else:
            s = cell(value)
            if not s:
                return None
            try:
                out = pd.Timestamp(s).date()
            except (ValueError, TypeError):
                raise self.fail(f, f"unreadable date {s!r} (expected e.g. 2025-03-05)") from None
        if not EARLIEST_YEAR <= out.year <= LATEST_YEAR:
            raise self.fail(f, f"{out.isoformat()} is not between {EARLIEST_YEAR} and {LATEST_YEAR}")
        return out

    def location(
        self, i: int, road: Any, chainage: Any
    ) -> tuple[str, Any, str | None, float | None, float | None, int | None, str | None]:
        """(kind, geometry or None, road code, start m, end m, direction, heading) of row ``i``.

        The direction is the one the 桩号 text gave (上行, 下行, 双向); a compass heading (北向南)
        is returned as written, for the road's course to turn into a direction once placed.
        """
        written = cell(chainage)
        road_code = cell(road).upper() or None
        if written:
            try:
                parsed = parse_chainage(written)
            except InvalidInput as exc:
                raise self.fail(Field.chainage, exc.errors[0].message if exc.errors else str(exc)) from None
            if parsed.road_code and road_code and parsed.road_code != road_code:
                raise self.fail(
                    Field.chainage,
                    f"{written!r} names road {parsed.road_code}, the road code column {road_code}",
                )
            road_code = road_code or parsed.road_code
            if road_code is None:
                raise self.fail(Field.road_code, f"chainage {written!r} without a road code")
            if len(road_code) > MAX_LENGTH[Field.road_code]:
                raise self.fail(Field.road_code, f"road code {road_code!r} is too long")
            direction = None if parsed.direction is None else int(parsed.direction.value)
            if parsed.end_m is None:
                return (
                    HazardKind.point.value,
                    None,
                    road_code,
                    parsed.start_m,
                    None,
                    direction,
                    parsed.heading,
                )
            lo, hi = sorted((parsed.start_m, parsed.end_m))
            return HazardKind.segment.value, None, road_code, lo, hi, direction, parsed.heading
        geom = self.rows.geoms[i]
        if geom is None or shapely.is_empty(geom):
            raise self.fail("geometry", "no location: neither a geometry (lon/lat) nor road + chainage")
        try:
            kind, geom = kind_and_geometry(geom)
        except ValueError as exc:
            raise self.fail("geometry", str(exc)) from None
        return kind, geom, None, None, None, None, None


def stage_records(
    rows: Rows,
    categories: dict[str, CategoryInfo],
    now: datetime,
    first_uid: dict[uuid.UUID, int] | None = None,
) -> list[tuple[Any, ...]]:
    """One COPY record per row of the batch; a refused row carries only its number, field and reason.
    ``first_uid`` (the row of each uid seen so far) carries the duplicate check across batches."""
    check = Checker(rows, categories, now)
    c = {f: rows.cells(f) for f in Field}
    first_uid = {} if first_uid is None else first_uid
    records: list[tuple[Any, ...]] = []
    blank = (None,) * (len(COLUMNS) - 3)
    for i in range(len(rows)):
        row_no = rows.start + i + 1
        try:
            uid = _uid(check, c[Field.uid][i], first_uid, row_no)
            category = check.category(c[Field.category][i])
            grade = check.vocab(Field.grade, c[Field.grade][i], GRADE, None)
            visibility = check.vocab(
                Field.visibility, c[Field.visibility][i], VISIBILITY, category.usual_visibility
            )
            source = check.vocab(Field.source, c[Field.source][i], SOURCE, DEFAULT_SOURCE.value)
            status = check.vocab(Field.status, c[Field.status][i], STATUS, Status.reported.value)
            times = {f: check.time(f, c[f][i]) for f in TIMES}
            deadline = check.day(Field.deadline, c[Field.deadline][i])
            texts = {f: cell(c[f][i]) or None for f in TEXTS}
            for f, limit in MAX_LENGTH.items():
                if f in texts and texts[f] is not None and len(texts[f] or "") > limit:
                    raise check.fail(f, f"longer than {limit} characters")
            _check_order(check, times)
            reported = times[Field.reported_at]
            if deadline is not None and reported is not None and deadline < reported.date():
                raise check.fail(Field.deadline, f"{deadline} is before the report date {reported:%Y-%m-%d}")
            if times[Field.claimed_at] is not None and not texts[Field.claim_name]:
                raise check.fail(Field.claim_name, "a claim (claimed_at) needs the name of who signed it")
            kind, geom, road_code, start_m, end_m, direction, heading = check.location(
                i, c[Field.road_code][i], c[Field.chainage][i]
            )
        except RowError as exc:
            records.append((row_no, *blank, exc.field, exc.reason))
            continue
        records.append(
            (
                row_no, uid, kind, category.code, visibility, grade, source,
                texts[Field.description] or "", texts[Field.address], status, times[Field.reported_at],
                deadline, texts[Field.claim_name], texts[Field.claim_post], texts[Field.claim_unit],
                times[Field.claimed_at], texts[Field.measures], texts[Field.rectified_by],
                times[Field.rectified_at], texts[Field.verifier], times[Field.closed_at], road_code,
                start_m, end_m, direction, heading,
                None if geom is None else shapely.to_wkb(geom), None, None,
            )
        )  # fmt: skip
    return records


COLUMNS = (
    "row_no", "uid", "kind", "category_code", "visibility", "grade", "source", "description", "address",
    "status", "reported_at", "deadline", "claim_name", "claim_post", "claim_unit", "claimed_at", "measures",
    "rectified_by", "rectified_at", "verifier", "closed_at", "road_code", "chainage_m", "end_chainage_m",
    "direction", "heading", "wkb", "field", "reason",
)  # fmt: skip


def _uid(check: Checker, value: Any, first_row: dict[uuid.UUID, int], row: int) -> uuid.UUID | None:
    s = cell(value)
    if not s:
        return None
    try:
        uid = uuid.UUID(s)
    except ValueError:
        raise check.fail(Field.uid, f"uid {s!r} is not a UUID") from None
    if uid in first_row:
        raise check.fail(Field.uid, f"duplicate uid (also row {first_row[uid]})")
    first_row[uid] = row
    return uid


def _check_order(check: Checker, times: dict[Field, datetime | None]) -> None:
    reported = times[Field.reported_at]
    if reported is None:
        return
    for f in (Field.claimed_at, Field.rectified_at, Field.closed_at):
        t = times[f]
        if t is not None and t < reported:
            raise check.fail(f, f"{t:%Y-%m-%d} is before the report date {reported:%Y-%m-%d}")
