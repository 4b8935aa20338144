"""Chainage (桩号) as people write it: ``K516+600`` is 516 km + 600 m from the route origin K0+000.

The same rule exists twice: in Python (exports, importers, messages) and as an SQL expression
(so that PostGIS can write it straight into the GeoJSON it builds). The tests hold both to the
same cases. Metres are rounded half up; a negative, non-finite or absurd (beyond a million
kilometres) chainage is not a 桩号 and gives nothing.

``parse_chainage`` reads the notations found in notices and road tables back into metres.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from app.errors import invalid
from app.vocab import Labelled

_MAX_METRES = 1e9


def format_chainage(metres: float | None, end_metres: float | None = None) -> str | None:
    """``K516+600``, or ``K516+600-K517+200`` for a segment with an end chainage."""
    start = _one(metres)
    if start is None:
        return None
    end = _one(end_metres)
    return start if end is None else f"{start}-{end}"


def _one(metres: float | None) -> str | None:
    if metres is None or not 0 <= metres <= _MAX_METRES:  # NaN fails both comparisons
        return None
    m = math.floor(metres + 0.5)
    return f"K{m // 1000}+{m % 1000:03d}"


def chainage_sql(start: str, end: str | None = None) -> str:
    """The SQL expression of :func:`format_chainage` over two numeric expressions (column names).

    ``start`` and ``end`` are trusted SQL (our own column references), never input.
    """
    one = _one_sql(start)
    if end is None:
        return one
    return f"({one} || coalesce('-' || {_one_sql(end)}, ''))"


def _one_sql(expr: str) -> str:
    m = f"floor(({expr}) + 0.5)::bigint"
    # PostgreSQL sorts NaN above every number, so BETWEEN leaves it out as Python's comparison does.
    return (
        f"(CASE WHEN ({expr}) BETWEEN 0 AND {_MAX_METRES:.0f} "
        f"THEN 'K' || ({m} / 1000) || '+' || lpad(({m} % 1000)::text, 3, '0') END)"
    )


# -- reading a 桩号 ------------------------------------------------------------------------------
# The notations met in police notices and road-authority tables:
#   K257+015   ZK50+200 (left carriageway)   K516+600-K517+200   516KM+600M   2362K+700-2363K+200
#   312国道2155公里+700米   77公里加800米   G309 K516+600   G309(516KM+600M-517KM+200M)


class Carriageway(Labelled):
    """Which carriageway a divided road's chainage is measured on (the prefix of ``ZK50+200``)."""

    left = ("left", "左幅", "left carriageway")
    right = ("right", "右幅", "right carriageway")


@dataclass(frozen=True)
class ParsedChainage:
    """A chainage as read: the road code if the text named one, metres, and the carriageway."""

    road_code: str | None
    start_m: float
    end_m: float | None = None  # set for a range (a segment)
    carriageway: Carriageway | None = None

    @property
    def is_range(self) -> bool:
        return self.end_m is not None

    @property
    def label(self) -> str:
        """The canonical spelling, e.g. ``ZK50+200`` or ``K516+600-K517+200``."""
        side = "" if self.carriageway is None else _SIDE_LETTER[self.carriageway]
        start = side + (_one(self.start_m) or "")
        if self.end_m is None:
            return start
        return f"{start}-{side}{_one(self.end_m) or ''}"


_SIDE_LETTER = {Carriageway.left: "Z", Carriageway.right: "Y"}

EXPECTED = (
    "a chainage (桩号) such as K516+600, ZK50+200, K516+600-K517+200, 516KM+600M, "
    "2362K+700-2363K+200, 312国道2155公里+700米 or 77公里加800米, optionally after a road code "
    "such as G309"
)

# The letter GB/T 917 gives each administrative level, for codes written in words (312国道).
_ROAD_WORDS = {"国道": "G", "省道": "S", "县道": "X", "乡道": "Y", "村道": "C"}
_WORDS = "|".join(_ROAD_WORDS)
# A code must end where the chainage begins; "G309516KM" (no separator) stays unreadable rather
# than being split at a guess.
_CODE_LATIN = re.compile(r"(?P<code>[GSXYCZ]\d{1,4})线?(?=[\s(:,KZY]|$)")
_CODE_WORD_AFTER = re.compile(rf"(?P<num>\d{{1,4}})(?P<word>{_WORDS})线?")
_CODE_WORD_BEFORE = re.compile(rf"(?P<word>{_WORDS})(?P<num>\d{{1,4}})线?")

_METRES = r"(?P<m>\d+(?:\.\d+)?)"
_POINT_FORMS = (
    # K516+600, ZK50+200, K516 (whole kilometres)
    re.compile(rf"(?P<side>[ZY]?)K(?P<km>\d+)(?:\+{_METRES})?(?:M|米)?"),
    # 516KM+600M, 2362K+700, 2155公里+700米, 77公里加800米, 77公里800米
    re.compile(rf"(?P<km>\d+)(?:KM|K|公里|千米)(?:\+|加)?{_METRES}(?:M|米)?"),
    # 77公里, 77.8KM
    re.compile(r"(?P<kmf>\d+(?:\.\d+)?)(?:KM|K|公里|千米)"),
    # 516+600 (the K left out)
    re.compile(rf"(?P<km>\d+)\+{_METRES}"),
)
_RANGE_SEPARATOR = re.compile(r"-|~|—|–|至|到")


def parse_chainage(text: str, field: str = "chainage") -> ParsedChainage:
    """Read a 桩号 in any of the notations above; raise ``InvalidInput`` naming ``field`` if it is none."""
    if not isinstance(text, str) or not text.strip():
        raise invalid(field, f"is empty: expected {EXPECTED}")
    # NFKC folds the full-width forms a Chinese keyboard gives (＋, （, Ｋ, ～, digits).
    s = unicodedata.normalize("NFKC", text).strip().upper()
    code, s = _split_road_code(s)
    s = re.sub(r"\s+", "", s)
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1]
    if "=" in s:
        raise invalid(
            field,
            f"{text!r} is a chain break (断链, two chainages for one place): give one chainage",
        )
    parts = _RANGE_SEPARATOR.split(s)
    if len(parts) > 2:
        raise invalid(field, f"{text!r} has more than two chainages: expected {EXPECTED}")
    points = [_point(p, text, field) for p in parts]
    sides = {side for _, side in points if side is not None}
    if len(sides) > 1:
        raise invalid(field, f"{text!r} starts and ends on different carriageways")
    carriageway = sides.pop() if sides else None
    if len(points) == 1:
        return ParsedChainage(code, points[0][0], None, carriageway)
    start, end = points[0][0], points[1][0]
    if start == end:
        raise invalid(field, f"{text!r} starts and ends at the same chainage: give a point instead")
    return ParsedChainage(code, start, end, carriageway)


def _split_road_code(s: str) -> tuple[str | None, str]:
    for pattern in (_CODE_WORD_AFTER, _CODE_WORD_BEFORE):
        m = pattern.match(s)
        if m:
            return _ROAD_WORDS[m["word"]] + m["num"], s[m.end() :]
    # "ZK50+200" is a left carriageway, not road Z50: a code needs digits right after its letter.
    m = _CODE_LATIN.match(s)
    if m:
        return m["code"], s[m.end() :].lstrip(":,")
    return None, s


def _point(s: str, text: str, field: str) -> tuple[float, Carriageway | None]:
    for form in _POINT_FORMS:
        m = form.fullmatch(s)
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("kmf") is not None:
            return float(groups["kmf"]) * 1000, None
        metres = float(groups.get("m") or 0)
        if metres >= 1000:
            raise invalid(
                field,
                f"{text!r}: the metres after the kilometre must be below 1000 (K1+200, not K0+1200)",
            )
        side = {letter: c for c, letter in _SIDE_LETTER.items()}.get(groups.get("side") or "")
        return int(groups["km"]) * 1000 + metres, side
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        raise invalid(
            field, f"{text!r} is a bare number (kilometres or metres?): write it as K12+300 or 12KM+300M"
        )
    raise invalid(field, f"cannot read {text!r}: expected {EXPECTED}")
