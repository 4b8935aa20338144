"""One definition of "overdue" (超期), in SQL functions every query calls.

An open hazard is overdue when its 整改时限 (deadline) has passed, or when it is still not claimed
(签字认领) a set number of days after it was reported (``HAZARDMAP_CLAIM_WITHIN_DAYS``, passed in
by the caller; 0 turns that rule off). Days are Beijing days: a hazard due on a day is overdue from
the next one. The list, its filter, the features, tiles, record page, to-do, wall, ledger, posters
and statistics all call these functions, so that they can never disagree.

- ``ledger_today()``: today's date in Beijing.
- ``hazard_due_on(claimed, reported_at, deadline, claim_days)``: the day it is due — the deadline,
  or the claim's last day while unclaimed, whichever comes first (NULL: neither).
- ``hazard_overdue_on(open, claimed, reported_at, deadline, claim_days, on_day)``: overdue on a
  day, for a state other than today's (e.g. at a past week's end).
- ``hazard_due(status, …)`` and ``hazard_overdue(status, …, on_day)``: the same for the current status.

Revision ID: 0d7e4c1a9f36
Revises: d3e0a7f1b2c4
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0d7e4c1a9f36"
down_revision: str | None = "d3e0a7f1b2c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The open statuses of app.vocab.OPEN_STATUSES (a test holds the two together).
OPEN = "'reported', 'claimed', 'rectifying', 'rectified'"

FUNCTIONS = [
    """CREATE FUNCTION ledger_today() RETURNS date LANGUAGE sql STABLE PARALLEL SAFE
       AS $$ SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date $$""",
    """CREATE FUNCTION hazard_due_on(claimed boolean, reported_at timestamptz, deadline date,
                                     claim_days integer)
       RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT least(deadline,
                          CASE WHEN NOT claimed AND claim_days > 0
                               THEN (reported_at AT TIME ZONE 'Asia/Shanghai')::date + claim_days END) $$""",
    """CREATE FUNCTION hazard_overdue_on(open boolean, claimed boolean, reported_at timestamptz,
                                         deadline date, claim_days integer, on_day date)
       RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT coalesce(open AND hazard_due_on(claimed, reported_at, deadline, claim_days) < on_day,
                             false) $$""",
    f"""CREATE FUNCTION hazard_due(status text, reported_at timestamptz, deadline date, claim_days integer)
       RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT CASE WHEN status IN ({OPEN})
                         THEN hazard_due_on(status <> 'reported', reported_at, deadline, claim_days) END $$""",
    f"""CREATE FUNCTION hazard_overdue(status text, reported_at timestamptz, deadline date,
                                      claim_days integer, on_day date)
       RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT hazard_overdue_on(status IN ({OPEN}), status <> 'reported', reported_at, deadline,
                                      claim_days, on_day) $$""",
]
NAMES = [
    "hazard_overdue(text, timestamptz, date, integer, date)",
    "hazard_due(text, timestamptz, date, integer)",
    "hazard_overdue_on(boolean, boolean, timestamptz, date, integer, date)",
    "hazard_due_on(boolean, timestamptz, date, integer)",
    "ledger_today()",
]


def upgrade() -> None:
    for sql in FUNCTIONS:
        op.execute(sql)
    # The app role calls them (EXECUTE is granted to PUBLIC by default; said here for clarity).
    for name in NAMES:
        op.execute(f"GRANT EXECUTE ON FUNCTION {name} TO PUBLIC")


def downgrade() -> None:
    for name in NAMES:
        op.execute(f"DROP FUNCTION {name}")
