"""Beijing time, the users' time: the one zone the service reads and writes days and times in.

China keeps UTC+8 all year (since 1991). ``BEIJING`` is the zone database's Asia/Shanghai, the zone
PostgreSQL uses for ``AT TIME ZONE`` (``TIME_ZONE``), so Python and SQL agree on every day. A time
given without an offset is Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

TIME_ZONE = "Asia/Shanghai"
BEIJING = ZoneInfo(TIME_ZONE)


def now() -> datetime:
    """The current time in Beijing."""
    return datetime.now(BEIJING)


def today() -> date:
    """Today's date in Beijing."""
    return now().date()


def beijing_if_naive(value: datetime | None) -> datetime | None:
    """``value`` with Beijing as its zone when it has none (an aware time stays as it is)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=BEIJING)


def as_beijing(value: datetime) -> datetime:
    """An aware time shown in Beijing time; a naive one taken as Beijing time."""
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value.astimezone(BEIJING)


def day_of(value: datetime) -> date:
    """The Beijing date of an instant (a naive time is Beijing time already)."""
    return as_beijing(value).date()


def day_start(day: date) -> datetime:
    """The first instant of a Beijing day."""
    return datetime.combine(day, time.min, tzinfo=BEIJING)


def day_end(day: date) -> datetime:
    """The last instant of a Beijing day."""
    return datetime.combine(day, time.max, tzinfo=BEIJING)
