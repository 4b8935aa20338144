"""The direction of travel a written 桩号 gives (上行/下行/双向, or a heading such as 北向南).

上行 and 下行 say it outright (increasing or decreasing chainage). A compass heading depends on
the road: ``G105 K384+200 北向南`` is 上行 where G105's chainage runs south there, 下行 where it
runs north. The road's course at the chainage comes from the roads' linear referencing.
"""

from __future__ import annotations

import math

from app.errors import InvalidInput, invalid
from app.roads.chainage import ParsedChainage, format_chainage
from app.roads.linear import END_TOLERANCE_M, Executor, point_at_chainage
from app.vocab import Direction

# The road's course is read over this stretch at the chainage.
PROBE_M = 20.0
# A heading within 60° of the road's course (either way) gives the direction; across it, nothing.
MIN_COSINE = 0.5


def _unit(dx: float, dy: float) -> tuple[float, float]:
    n = math.hypot(dx, dy)
    return (dx / n, dy / n) if n > 0 else (0.0, 0.0)


async def _course(db: Executor, code: str, lo: float, hi: float, field: str) -> tuple[float, float]:
    """The unit (east, north) vector of increasing chainage from ``lo`` to ``hi``."""
    a = await point_at_chainage(db, code, lo, field)
    b = await point_at_chainage(db, code, hi, field)
    east = (b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return _unit(east, b.lat - a.lat)


async def direction_in_text(db: Executor, parsed: ParsedChainage, code: str, field: str) -> int | None:
    """The ledger's direction (1 decreasing, 2 increasing, 3 both) the text gave; None if it gave none."""
    if parsed.direction is not None:
        return int(parsed.direction.value)
    heading = parsed.heading_vector
    if heading is None:
        return None
    if parsed.end_m is not None:
        lo, hi = sorted((parsed.start_m, parsed.end_m))
    else:
        lo, hi = parsed.start_m, parsed.start_m + PROBE_M
        try:
            await point_at_chainage(db, code, hi, field)
        except InvalidInput:  # the route ends within the probe: read its course backwards
            lo, hi = max(parsed.start_m - PROBE_M, 0.0), parsed.start_m
    if hi - lo < END_TOLERANCE_M:
        raise invalid(
            field, f"道路 {code} 在 {format_chainage(lo)} 处太短，无法判断“{parsed.heading}”是上行还是下行"
        )
    course = await _course(db, code, lo, hi, field)
    cosine = sum(c * h for c, h in zip(course, _unit(*heading), strict=True))
    if cosine >= MIN_COSINE:
        return int(Direction.increasing.value)
    if cosine <= -MIN_COSINE:
        return int(Direction.decreasing.value)
    raise invalid(
        field,
        f"方向“{parsed.heading}”与道路 {code} 在 {format_chainage(parsed.start_m)} 处的走向不符"
        "（道路在此与该方向交叉）：请写上行或下行",
    )
