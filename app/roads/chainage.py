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
from app.vocab import Direction, Labelled

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
# and the words around them in a written place: a road's name after its code (S1济聊高速K93,
# G309线K516+600), 桩号 before the chainage, 处/附近 after it, and the direction of travel:
# 上行/下行/双向 (with or without brackets) or a heading such as 北向南 (G105 K384+200 北向南).
# Refusals are in Chinese, for the officer who typed the text, and name the part not understood.


class Carriageway(Labelled):
    """Which carriageway a divided road's chainage is measured on (the prefix of ``ZK50+200``)."""

    left = ("left", "左幅", "left carriageway")
    right = ("right", "右幅", "right carriageway")


# Compass headings written as "from X to Y": (dx east, dy north) of the travel.
_COMPASS = {"东": (1.0, 0.0), "西": (-1.0, 0.0), "南": (0.0, -1.0), "北": (0.0, 1.0)}


@dataclass(frozen=True)
class ParsedChainage:
    """A chainage as read: the road code if the text named one, metres, carriageway, direction.

    ``direction`` is the ledger's direction when the text says 上行 (increasing chainage), 下行
    (decreasing) or 双向; ``heading`` is a compass heading such as ``北向南``, which only the road's
    course at that chainage turns into a direction (:mod:`app.roads.heading`).
    """

    road_code: str | None
    start_m: float
    end_m: float | None = None  # set for a range (a segment)
    carriageway: Carriageway | None = None
    direction: Direction | None = None
    heading: str | None = None

    @property
    def is_range(self) -> bool:
        return self.end_m is not None

    @property
    def heading_vector(self) -> tuple[float, float] | None:
        """The heading as (east, north) of travel, e.g. (0, -1) for 北向南."""
        if self.heading is None:
            return None
        (x0, y0), (x1, y1) = _COMPASS[self.heading[0]], _COMPASS[self.heading[-1]]
        return x1 - x0, y1 - y0

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
    "应写作 K516+600、ZK50+200、K516+600-K517+200、516KM+600M、2362K+700-2363K+200、"
    "312国道2155公里+700米 或 77公里加800米，前面可加道路编号（如 G309、S1济聊高速），"
    "后面可加方向（上行、下行、双向、北向南）"
)

# The letter GB/T 917 gives each administrative level, for codes written in words (312国道).
_ROAD_WORDS = {"国道": "G", "省道": "S", "县道": "X", "乡道": "Y", "村道": "C"}
_WORDS = "|".join(_ROAD_WORDS)
_HANZI = r"[\u4e00-\u9fff]"
# A code must end where the chainage begins, or run into the road's name (S1济聊高速K93,
# G309线K516+600); "G309516KM" (no separator) stays unreadable rather than being split at a guess.
_CODE_LATIN = re.compile(rf"(?P<code>[GSXYCZ]\d{{1,4}})(?:\s*(?P<name>{_HANZI}+)|(?=[\s(:,KZY]|$))")
_CODE_WORD_AFTER = re.compile(rf"(?P<num>\d{{1,4}})(?P<word>{_WORDS})线?")
_CODE_WORD_BEFORE = re.compile(rf"(?P<word>{_WORDS})(?P<num>\d{{1,4}})线?")
# Something written where a road code stands that is none (Q309, GG12).
_NOT_A_CODE = re.compile(rf"(?P<code>[A-Z]+\d+)(?:{_HANZI}+|(?=[\s(:,]))")

# The direction of travel: 上行 is the direction of increasing chainage, 下行 decreasing.
_UP_DOWN = re.compile(r"\(?\s*(?P<word>上下行|上行|下行|双向)(?:方向)?\s*\)?")
_UP_DOWN_WORDS = {"上行": Direction.increasing, "下行": Direction.decreasing}
_HEADING = re.compile(
    r"\(?\s*(?:由|自|从)?(?P<a>[东南西北])\s*(?:向|往|至|到|→)\s*(?P<b>[东南西北])(?:方向|向)?\s*\)?"
)
_PLACE_BEFORE = re.compile(r"^(?:位于|在)?\s*桩号\s*[:：]?")
_PLACE_AFTER = re.compile(r"(?:米)?(?:处|附近|一带)$")

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
# What a chainage (or a range of two) is written with; anything else is a word we do not know.
_CHAINAGE_CHARS = re.compile(r"[0-9A-Z+.()\-~—–]|至|到|公里|千米|米|加")


def parse_chainage(text: str, field: str = "chainage") -> ParsedChainage:
    """Read a 桩号 in any of the notations above; raise ``InvalidInput`` naming ``field`` if it is none."""
    if not isinstance(text, str) or not text.strip():
        raise invalid(field, f"为空：请填写桩号，{EXPECTED}")
    # NFKC folds the full-width forms a Chinese keyboard gives (＋, （, Ｋ, ～, digits).
    s = unicodedata.normalize("NFKC", text).strip().upper()
    s, direction, heading = _split_direction(s, text, field)
    s = _PLACE_BEFORE.sub("", s.strip())
    code, s = _split_road_code(s)
    s = _PLACE_BEFORE.sub("", s.strip())
    if code is None:
        wrong = _NOT_A_CODE.match(s)
        if wrong and not re.fullmatch(r"[ZY]?K\d+", wrong["code"]):
            raise invalid(
                field,
                f"“{text}”中的道路编号“{wrong['code']}”无法识别：应如 G309、S1、X012"
                "（国道 G、省道 S、县道 X、乡道 Y、村道 C、专用公路 Z）",
            )
    s = re.sub(r"\s+", "", s)
    s = _PLACE_AFTER.sub(lambda m: "米" if m.group().startswith("米") else "", s)
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1]
    if "=" in s:
        raise invalid(field, f"“{text}”是断链桩号（一处两个桩号）：请只填一个桩号")
    _check_words(s, text, field)
    parts = _RANGE_SEPARATOR.split(s)
    if len(parts) > 2:
        raise invalid(field, f"“{text}”中有两个以上的桩号：{EXPECTED}")
    points = [_point(p, text, field) for p in parts]
    sides = {side for _, side in points if side is not None}
    if len(sides) > 1:
        raise invalid(field, f"“{text}”的起点和终点不在同一幅（左幅 ZK、右幅 YK）")
    carriageway = sides.pop() if sides else None
    if len(points) == 1:
        return ParsedChainage(code, points[0][0], None, carriageway, direction, heading)
    start, end = points[0][0], points[1][0]
    if start == end:
        raise invalid(field, f"“{text}”的起点和终点是同一桩号：请只填一个桩号")
    return ParsedChainage(code, start, end, carriageway, direction, heading)


def _split_direction(s: str, text: str, field: str) -> tuple[str, Direction | None, str | None]:
    """The text without its direction words, and the direction or heading they gave."""
    found = [(m, "updown") for m in _UP_DOWN.finditer(s)] + [(m, "heading") for m in _HEADING.finditer(s)]
    if not found:
        return s, None, None
    if len(found) > 1:
        words = "、".join(f"“{m.group().strip()}”" for m, _ in found)
        raise invalid(field, f"“{text}”中写了不止一个方向（{words}）：请只写一个")
    m, what = found[0]
    rest = s[: m.start()] + " " + s[m.end() :]
    if what == "updown":
        word = m["word"]
        return rest, _UP_DOWN_WORDS.get(word, Direction.both), None
    a, b = m["a"], m["b"]
    (x0, y0), (x1, y1) = _COMPASS[a], _COMPASS[b]
    if (x0 + x1, y0 + y1) != (0.0, 0.0):
        raise invalid(
            field,
            f"“{text}”中的方向“{m.group().strip()}”无法识别："
            "应如 北向南、南向北、东向西、西向东，或上行、下行",
        )
    return rest, None, f"{a}向{b}"


def _check_words(s: str, text: str, field: str) -> None:
    """Refuse words that are neither chainage, road, direction nor place, naming them."""
    leftover = _CHAINAGE_CHARS.sub(" ", s).split()
    if leftover:
        raise invalid(
            field,
            f"“{text}”中的“{leftover[0]}”无法识别：不是桩号、道路编号、方向（上行、下行、北向南）"
            f"或地点词（桩号、处、附近）；{EXPECTED}",
        )


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
                f"“{text}”中公里后的米数须小于 1000（应写 K1+200，而不是 K0+1200）",
            )
        side = {letter: c for c, letter in _SIDE_LETTER.items()}.get(groups.get("side") or "")
        return int(groups["km"]) * 1000 + metres, side
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        raise invalid(field, f"“{text}”只是一个数（公里还是米？）：请写作 K12+300 或 12KM+300M")
    raise invalid(field, f"“{text}”中的桩号部分“{s}”无法识别：{EXPECTED}")
