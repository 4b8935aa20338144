"""超期 (overdue) has one definition: the SQL functions ``hazard_overdue`` / ``hazard_due`` (and their
``_on`` forms for a past state) that a migration creates. An open hazard is overdue past its
整改时限, or while not claimed ``claim_within_days`` after its report. Every query that says
whether a hazard is overdue calls them and binds ``:claim_days`` from :func:`params`.
"""

from __future__ import annotations

from app.settings import get_settings


def claim_days() -> int:
    """Days a reported hazard may stay unclaimed before it is overdue (0: the rule is off)."""
    return get_settings().claim_within_days


def params() -> dict[str, int]:
    """The bound value the overdue functions take, to add to a query's parameters."""
    return {"claim_days": claim_days()}


def overdue_sql(h: str = "h", on_day: str = "ledger_today()") -> str:
    """The SQL expression: is hazard alias ``h`` overdue on ``on_day`` (trusted SQL, never input)."""
    return (
        f"hazard_overdue({h}.status, {h}.reported_at, {h}.deadline, CAST(:claim_days AS integer), {on_day})"
    )
