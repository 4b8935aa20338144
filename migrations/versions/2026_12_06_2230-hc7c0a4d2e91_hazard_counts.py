"""hazard_counts: the ledger's live rows counted by county, kind and status, kept by the writes themselves.

A list's ``numberMatched`` for a county or a status was a count over the table: 10,000,000 hazards (a
province) made the first page of an unfiltered list cost seconds. The count now comes from this
table when the filter is no more than kind, county and status.

Kept as **deltas**: statement-level triggers on hazards (with transition tables) insert, per statement,
one row per (county, kind, status) with the change in live (not deleted) rows: +n for inserts, −n and
+n for updates (a status change, a move to another county, a soft delete), −n for deletes. Writers
only ever insert, so no two of them wait for one another on a counter row (an import of 100,000
rows and an API create in the same county do not queue here), and a row's delta commits or rolls back
with the change it counts. The sum of the deltas in any snapshot is therefore exactly the count of
live rows in that snapshot. ``hazard_counts_compact()`` (a periodic job) folds the deltas into one row
per group in one statement; rows it cannot see yet (uncommitted, or committed after it began) are left
for the next time, so nothing is counted twice or lost. A TRUNCATE of hazards empties the table;
anything that writes hazards with the triggers off (session_replication_role = replica: the
benchmarks' bulk loads) calls ``hazard_counts_rebuild()`` afterwards.

Revision ID: hc7c0a4d2e91
Revises: wh5c0f2e8a71
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "hc7c0a4d2e91"
down_revision: str | None = "wh5c0f2e8a71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "county_code, kind, status"

STATEMENTS = [
    """CREATE TABLE hazard_counts (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           county_code varchar(16) NOT NULL,
           kind varchar(16) NOT NULL,
           status varchar(16) NOT NULL,
           n bigint NOT NULL
       )""",
    "CREATE INDEX ix_hazard_counts_group ON hazard_counts (kind, county_code, status)",
    f"""CREATE FUNCTION hazard_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO hazard_counts ({_KEY}, n)
          SELECT {_KEY}, count(*) FROM new_rows WHERE deleted_at IS NULL GROUP BY {_KEY};
          RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION hazard_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO hazard_counts ({_KEY}, n)
          SELECT {_KEY}, sum(d) FROM (
                 SELECT {_KEY}, -1 AS d FROM old_rows WHERE deleted_at IS NULL
                 UNION ALL
                 SELECT {_KEY}, 1 FROM new_rows WHERE deleted_at IS NULL) c
           GROUP BY {_KEY} HAVING sum(d) <> 0;
          RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION hazard_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO hazard_counts ({_KEY}, n)
          SELECT {_KEY}, -count(*) FROM old_rows WHERE deleted_at IS NULL GROUP BY {_KEY};
          RETURN NULL;
        END $$""",
    """CREATE FUNCTION hazard_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          TRUNCATE hazard_counts;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER hazard_counts_inserted AFTER INSERT ON hazards REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION hazard_counts_inserted()""",
    """CREATE TRIGGER hazard_counts_updated AFTER UPDATE ON hazards
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION hazard_counts_updated()""",
    """CREATE TRIGGER hazard_counts_deleted AFTER DELETE ON hazards REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION hazard_counts_deleted()""",
    """CREATE TRIGGER hazard_counts_truncated AFTER TRUNCATE ON hazards
       FOR EACH STATEMENT EXECUTE FUNCTION hazard_counts_truncated()""",
    # Fold the deltas one statement sees into one row per group. A concurrent compaction waits on
    # the rows this one deletes and then skips them (READ COMMITTED): each delta is folded once.
    f"""CREATE FUNCTION hazard_counts_compact() RETURNS bigint LANGUAGE sql AS $$
        WITH gone AS (DELETE FROM hazard_counts RETURNING {_KEY}, n),
             folded AS (INSERT INTO hazard_counts ({_KEY}, n)
                        SELECT {_KEY}, sum(n) FROM gone GROUP BY {_KEY} HAVING sum(n) <> 0
                        RETURNING 1)
        SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM folded) $$""",
    # Count afresh: after a load with the triggers off. Writers wait meanwhile (SHARE lock).
    f"""CREATE FUNCTION hazard_counts_rebuild() RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
          LOCK TABLE hazards IN SHARE MODE;
          DELETE FROM hazard_counts;
          INSERT INTO hazard_counts ({_KEY}, n)
          SELECT {_KEY}, count(*) FROM hazards WHERE deleted_at IS NULL GROUP BY {_KEY};
        END $$""",
    f"""INSERT INTO hazard_counts ({_KEY}, n)
        SELECT {_KEY}, count(*) FROM hazards WHERE deleted_at IS NULL GROUP BY {_KEY}""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("inserted", "updated", "deleted", "truncated"):
        op.execute(f"DROP TRIGGER hazard_counts_{trigger} ON hazards")
    for function in ("inserted", "updated", "deleted", "truncated", "compact", "rebuild"):
        op.execute(f"DROP FUNCTION hazard_counts_{function}()")
    op.execute("DROP TABLE hazard_counts")
