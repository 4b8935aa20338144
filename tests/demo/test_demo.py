"""The demo data set, loaded into databases of its own (cloned from the migrated template)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from app.cluster import Cluster
from app.demo import generate
from app.demo.loader import DemoError, DemoReport, clear_demo, load_demo
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, Grade, Source, Status, Visibility
from tests.support.databases import clone

COUNTIES = {"371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"}
OPEN = [s.value for s in OPEN_STATUSES]


async def load(url: str, **kwargs: Any) -> DemoReport:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await load_demo(conn, **kwargs)
    finally:
        await engine.dispose()


async def clear(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await clear_demo(conn)
    finally:
        await engine.dispose()


async def rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def one(url: str, sql: str, **params: Any) -> Any:
    (row,) = await rows(url, sql, **params)
    return row[0] if len(row) == 1 else row


@pytest.fixture(scope="module")
async def demo_db(cluster: Cluster, template_db: str) -> AsyncIterator[str]:
    """One database with the demo set loaded, shared by the read-only checks of this module."""
    name = f"hazardmap_demo_{os.getpid()}"
    url = clone(cluster, template_db, name)
    report = await load(url)
    assert (report.points, report.segments, report.skipped) == (300, 40, None)
    yield url
    cluster.drop_database(name)


# -- what the set contains ---------------------------------------------------------------------------


async def test_exact_counts(demo_db: str) -> None:
    kinds = dict(await rows(demo_db, "SELECT kind, count(*) FROM hazards GROUP BY kind"))
    assert kinds == {"point": generate.POINTS, "segment": generate.SEGMENTS} == {"point": 300, "segment": 40}


async def test_every_row_is_demo_and_live(demo_db: str) -> None:
    flags = await rows(
        demo_db, "SELECT demo, created_by, deleted_at IS NULL, count(*) FROM hazards GROUP BY 1, 2, 3"
    )
    assert flags == [(True, "demo", True, 340)]


async def test_every_county_has_open_and_closed_rows(demo_db: str) -> None:
    per_county = await rows(
        demo_db,
        "SELECT county_code,"
        "       count(*) FILTER (WHERE kind = 'point'), count(*) FILTER (WHERE kind = 'segment'),"
        "       count(*) FILTER (WHERE status = ANY(:open)), count(*) FILTER (WHERE status = 'closed')"
        "  FROM hazards GROUP BY county_code",
        open=OPEN,
    )
    assert {r[0] for r in per_county} == COUNTIES
    for county, points, segments, open_, closed in per_county:
        assert points >= generate.MIN_POINTS_PER_COUNTY, county
        assert segments == generate.SEGMENTS_PER_COUNTY == 5, county
        assert open_ >= 1 and closed >= 1, county


async def test_every_code_of_the_vocabulary_is_used(demo_db: str) -> None:
    async def used(column: str) -> set[str]:
        return {r[0] for r in await rows(demo_db, f"SELECT DISTINCT {column} FROM hazards")}

    # A duplicate is a merge into another hazard (duplicate_of), which the generator does not make.
    assert await used("status") == set(Status.codes()) - {Status.duplicate}
    assert await used("visibility") == set(Visibility.codes())
    assert await used("grade") == set(Grade.codes())
    assert await used("source") == set(Source.codes())
    categories = {r[0] for r in await rows(demo_db, "SELECT code FROM categories WHERE active")}
    assert len(categories) == 23
    assert await used("category_code") == categories
    # Points take every direction; segments (40 of them, few on expressways) at least both kinds.
    directions = await used("kind || '/' || direction")
    assert {"point/1", "point/2", "point/3", "segment/3"} <= directions
    assert directions & {"segment/1", "segment/2"}
    assert directions <= {f"{k}/{d}" for k in ("point", "segment") for d in (1, 2, 3)}


async def test_no_village_hazard_on_an_expressway(demo_db: str) -> None:
    on_expressways = await one(
        demo_db,
        "SELECT count(*) FROM hazards h JOIN roads r ON r.id = h.road_id"
        " WHERE r.road_class = 'expressway' AND h.category_code = ANY(:village)",
        village=sorted(generate.NOT_ON_EXPRESSWAYS),
    )
    assert on_expressways == 0


async def test_dates_and_deadlines(demo_db: str) -> None:
    today = datetime.now(generate.BEIJING).date()
    first, last = await one(
        demo_db,
        "SELECT min((reported_at AT TIME ZONE 'Asia/Shanghai')::date),"
        "       max((reported_at AT TIME ZONE 'Asia/Shanghai')::date) FROM hazards",
    )
    # spread over the past year, up to yesterday
    assert today - timedelta(days=generate.DAYS_BACK) <= first <= today - timedelta(days=330)
    assert today - timedelta(days=7) <= last < today
    # A deadline is set when rectification starts: rows that got that far have one, the others none.
    assert (
        await one(
            demo_db,
            "SELECT count(*) FROM hazards"
            " WHERE (deadline IS NULL) <> (status NOT IN ('rectifying', 'rectified', 'closed'))",
        )
        == 0
    )
    assert await one(demo_db, "SELECT count(*) FROM hazards WHERE deadline <= reported_at::date") == 0
    overdue, on_time = await one(
        demo_db,
        "SELECT count(*) FILTER (WHERE deadline < :today), count(*) FILTER (WHERE deadline >= :today)"
        "  FROM hazards WHERE status = ANY(:open)",
        open=OPEN,
        today=today,
    )
    assert overdue > 0 and on_time > 0


async def test_the_workflow_wrote_every_step(demo_db: str) -> None:
    """Closed rows carry their claim, measures, rectification and a close-out by someone else, dated in
    order between the report and now; the history has one event per step, by who took it."""
    bad = await one(
        demo_db,
        """SELECT count(*) FROM hazards WHERE status = 'closed' AND NOT (
               claim_name IS NOT NULL AND claim_post IS NOT NULL AND claim_unit LIKE '%人民政府'
               AND measures IS NOT NULL AND interim_measures IS NOT NULL AND evidence IS NOT NULL
               AND verifier IS NOT NULL AND verification IS NOT NULL
               AND reported_at <= claimed_at AND claimed_at <= rectified_at AND rectified_at <= closed_at
               AND closed_at < now() AND rectified_by NOT LIKE verifier || '%')""",
    )
    assert bad == 0
    closed = await one(demo_db, "SELECT count(*) FROM hazards WHERE status = 'closed'")
    assert closed > 100
    # closed out over the past months, not on one day
    months = await one(
        demo_db,
        "SELECT count(DISTINCT date_trunc('month', closed_at AT TIME ZONE 'Asia/Shanghai')) FROM hazards",
    )
    assert months >= 8
    late = await one(
        demo_db,
        "SELECT count(*) FROM hazards WHERE status = 'closed'"
        "   AND (closed_at AT TIME ZONE 'Asia/Shanghai')::date > deadline",
    )
    assert 0 < late < closed / 2
    events = dict(
        await rows(demo_db, "SELECT action, count(*) FROM hazard_events GROUP BY action ORDER BY action")
    )
    statuses = dict(await rows(demo_db, "SELECT status, count(*) FROM hazards GROUP BY status"))
    assert events["create"] == 340
    assert events["close"] == statuses["closed"]
    assert events["reject"] == statuses["rejected"]
    assert events["rectify"] == statuses["closed"] + statuses["rectified"]
    assert events["claim"] == 340 - statuses["reported"] - statuses["rejected"]
    assert events["list"] >= events["delist"] > 0
    listed_now = await one(demo_db, "SELECT count(*) FROM hazards WHERE supervision_level IS NOT NULL")
    assert listed_now == events["list"] - events["delist"] > 0
    # who: the verifier of a close is not the officer who marked it rectified
    actors = await rows(
        demo_db,
        "SELECT DISTINCT r.actor, c.actor FROM hazard_events r JOIN hazard_events c USING (hazard_id)"
        " WHERE r.action = 'rectify' AND c.action = 'close'",
    )
    assert actors and all(a != b and "officer" in a and "verifier" in b for a, b in actors)
    notes = await one(demo_db, "SELECT count(*) FROM hazard_events WHERE action = 'reject' AND note IS NULL")
    assert notes == 0


# -- where the rows are ---------------------------------------------------------------------------


async def test_points_sit_on_or_beside_their_road(demo_db: str) -> None:
    on_line, beside, far = await one(
        demo_db,
        "SELECT count(*) FILTER (WHERE d < 0.5), count(*) FILTER (WHERE d BETWEEN 4.5 AND 25.5),"
        "       count(*) FILTER (WHERE d > 25.5)"
        "  FROM (SELECT ST_Distance(h.geom::geography, r.geom::geography) AS d"
        "          FROM hazards h JOIN roads r ON r.id = h.road_id WHERE h.kind = 'point') s",
    )
    assert far == 0 and on_line > 100 and beside > 100 and on_line + beside == 300


async def test_chainage_is_the_one_the_service_gives_the_same_place(demo_db: str) -> None:
    """The chainage of a point (a segment: of its start) is what snapping it to its road gives."""
    worst = await one(
        demo_db,
        "SELECT max(abs(h.chainage_m - road_chainage_at(r.measured, at, :srid)))"
        "  FROM hazards h JOIN roads r ON r.id = h.road_id,"
        "       CAST(CASE h.kind WHEN 'point' THEN h.geom ELSE ST_StartPoint(h.geom) END AS geometry) at",
        srid=get_settings().metric_srid,
    )
    assert worst <= 0.5  # rounded to the metre, as a 桩号 is written
    assert await one(demo_db, "SELECT count(*) FROM hazards WHERE road_id IS NULL OR chainage_m IS NULL") == 0
    assert await one(demo_db, "SELECT count(*) FROM hazards WHERE chainage_m <> round(chainage_m)") == 0


async def test_segments_are_cut_from_their_road(demo_db: str) -> None:
    segments = await rows(
        demo_db,
        "SELECT h.end_chainage_m - h.chainage_m, ST_Length(h.geom::geography),"
        "       ST_Distance(ST_StartPoint(h.geom)::geography, r.geom::geography),"
        "       ST_Distance(ST_EndPoint(h.geom)::geography, r.geom::geography)"
        "  FROM hazards h JOIN roads r ON r.id = h.road_id WHERE h.kind = 'segment'",
    )
    assert len(segments) == 40
    for span, length, start_off, end_off in segments:
        assert 500 <= span <= 2000 and span % 100 == 0
        assert abs(length - span) < 1
        # On the road: a vertex interpolated in degrees sits a few centimetres off the geodesic.
        assert start_off < 0.5 and end_off < 0.5
    assert (
        await one(demo_db, "SELECT count(*) FROM hazards WHERE kind = 'point' AND end_chainage_m IS NOT NULL")
        == 0
    )


async def test_address_names_road_chainage_county_and_township(demo_db: str) -> None:
    addresses = await rows(
        demo_db,
        "SELECT h.kind, h.address, r.code, r.road_class, c.name, replace(t.name, '办事处', '')"
        "  FROM hazards h JOIN roads r ON r.id = h.road_id"
        "  JOIN jurisdictions c ON c.code = h.county_code JOIN jurisdictions t ON t.code = h.township_code",
    )
    assert len(addresses) == 340
    for kind, address, code, road_class, county, township in addresses:
        road = rf"{code}线" if road_class != "expressway" else rf"{code}\S*高速"
        span = r"K\d+\+\d{3}" + (r"-K\d+\+\d{3}" if kind == "segment" else "")
        assert re.fullmatch(rf"{road}{span} {county}{township}", address), address
    sample = await one(
        demo_db, "SELECT address FROM hazards WHERE county_code = '371503' ORDER BY ledger_no LIMIT 1"
    )
    assert re.fullmatch(r"\S+K\d+\+\d{3} 茌平区\S+(镇|乡|街道)", sample)


async def test_descriptions_are_written_out(demo_db: str) -> None:
    shortest, distinct = await one(
        demo_db, "SELECT min(length(description)), count(DISTINCT description) FROM hazards"
    )
    assert shortest > 20 and distinct > 40
    segments_with_crashes = await one(
        demo_db,
        "SELECT count(*) FROM hazards WHERE kind = 'segment' AND description LIKE '近三年发生道路交通事故%'",
    )
    assert segments_with_crashes == 40


# -- what the triggers made of them ---------------------------------------------------------------


async def test_ledger_numbers_follow_the_reporting_date(demo_db: str) -> None:
    numbered = await rows(
        demo_db,
        "SELECT county_code, ledger_no, reported_at FROM hazards ORDER BY county_code, reported_at, id",
    )
    last: dict[tuple[str, str], int] = {}
    for county, ledger_no, reported_at in numbered:
        m = re.fullmatch(rf"{county}-(\d{{4}})-(\d{{4}})", ledger_no)
        assert m, ledger_no
        year, n = m[1], int(m[2])
        assert int(year) == reported_at.astimezone(generate.BEIJING).year
        assert n == last.get((county, year), 0) + 1, ledger_no
        last[(county, year)] = n


async def test_history_has_one_create_event_by_demo_per_row(demo_db: str) -> None:
    events = await rows(
        demo_db,
        "SELECT action, actor, version, count(*) FROM hazard_events WHERE action = 'create' GROUP BY 1, 2, 3",
    )
    assert events == [("create", "demo", 1, 340)]
    # every later event is one more version of its row
    assert (
        await one(
            demo_db,
            "SELECT count(*) FROM hazards h WHERE h.version <> (SELECT count(*) FROM hazard_events e"
            " WHERE e.hazard_id = h.id)",
        )
        == 0
    )


async def test_history_is_dated_when_each_step_was_taken(demo_db: str) -> None:
    """A record page's timeline reads like a year of work: each event at its step's time."""
    wrong = await rows(
        demo_db,
        """SELECT e.action, e.at, h.reported_at, h.claimed_at, h.rectified_at, h.closed_at
             FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id
            WHERE (e.action = 'create' AND e.at <> h.reported_at)
               OR (e.action = 'claim' AND e.at <> h.claimed_at)
               OR (e.action = 'rectify' AND e.at <> h.rectified_at)
               OR (e.action = 'close' AND e.at <> h.closed_at)
               OR e.at > now()""",
    )
    assert wrong == []
    out_of_order = await one(
        demo_db,
        """SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY hazard_id ORDER BY version) AS back
                                   FROM hazard_events) x WHERE back""",
    )
    assert out_of_order == 0
    # spread over the months, not all at the load
    assert await one(demo_db, "SELECT count(DISTINCT date_trunc('month', at)) FROM hazard_events") >= 8


async def test_only_demo_rows_take_their_event_time_from_the_session(isolated_db: str) -> None:
    """hazardmap.at dates the demo's history; a real row's event keeps the database's clock."""
    engine = create_async_engine(isolated_db)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT set_config('hazardmap.at', '2020-01-01T00:00:00+08:00', true)"))
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, status,"
                    " reported_at, geom, description)"
                    " VALUES ('point', 'JC01', 'explicit', 'general', 'inspection', 'reported', now(),"
                    " ST_SetSRID(ST_MakePoint(115.9599, 36.4620), 4326), 'real')"
                )
            )
            at = (
                await conn.execute(text("SELECT at > now() - interval '1 hour' FROM hazard_events"))
            ).scalar()
        assert at is True
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_two_loads_into_two_databases_give_identical_ledgers(demo_db: str, isolated_db: str) -> None:
    await load(isolated_db)
    ledger = (
        "SELECT h.id, h.ledger_no, h.kind, h.category_code, h.visibility, h.grade, h.source, h.description,"
        "       h.address, h.status, h.county_code, h.township_code, r.code, h.chainage_m, h.end_chainage_m,"
        "       h.direction, ST_AsEWKB(h.geom), h.reported_at, h.deadline, h.claimed_at, h.closed_at,"
        "       h.verifier, h.supervision_level, h.version"
        "  FROM hazards h JOIN roads r ON r.id = h.road_id ORDER BY h.id"
    )
    first, second = await rows(demo_db, ledger), await rows(isolated_db, ledger)
    assert len(first) == 340
    assert first == second


# -- loading again, clearing -------------------------------------------------------------------------


async def test_if_empty_skips_a_second_load(isolated_db: str) -> None:
    assert (await load(isolated_db, if_empty=True)).total == 340
    again = await load(isolated_db, if_empty=True)
    assert again.skipped == "the ledger is not empty (340 live rows)" and again.total == 0
    with pytest.raises(DemoError, match="loaded already"):
        await load(isolated_db)
    assert await one(isolated_db, "SELECT count(*) FROM hazards") == 340


async def test_if_empty_respects_a_ledger_of_real_rows(isolated_db: str) -> None:
    engine = create_async_engine(isolated_db)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom)"
                    " VALUES ('point', 'JC01', 'explicit', 'general', 'inspection', 'reported',"
                    "         ST_SetSRID(ST_MakePoint(115.959865, 36.461981), 4326))"
                )
            )
    finally:
        await engine.dispose()
    assert (await load(isolated_db, if_empty=True)).skipped == "the ledger is not empty (1 live rows)"
    assert await one(isolated_db, "SELECT count(*) FILTER (WHERE demo) FROM hazards") == 0


async def test_if_empty_loads_when_the_only_rows_were_deleted_by_hand(isolated_db: str) -> None:
    engine = create_async_engine(isolated_db)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom,"
                    "                     deleted_at)"
                    " VALUES ('point', 'JC01', 'explicit', 'general', 'inspection', 'reported',"
                    "         ST_SetSRID(ST_MakePoint(115.959865, 36.461981), 4326), now())"
                )
            )
    finally:
        await engine.dispose()
    report = await load(isolated_db, if_empty=True)
    assert (report.skipped, report.total) == (None, 340)
    live, numbers = await one(
        isolated_db, "SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(DISTINCT uid) FROM hazards"
    )
    assert (live, numbers) == (340, 341)


async def test_clear_soft_deletes_and_the_history_keeps_the_rows(isolated_db: str) -> None:
    await load(isolated_db)
    assert await clear(isolated_db) == 340
    assert await one(isolated_db, "SELECT count(*) FROM hazards WHERE deleted_at IS NOT NULL AND demo") == 340
    events = await rows(
        isolated_db, "SELECT action, actor, count(*) FROM hazard_events GROUP BY 1, 2 ORDER BY 1"
    )
    assert [e for e in events if e[1] == "demo"] == [("create", "demo", 340), ("delete", "demo", 340)]
    assert await clear(isolated_db) == 0

    # `make run` does not bring back a demo that was cleared ...
    assert (await load(isolated_db, if_empty=True)).skipped == (
        "the demo set was cleared; `hazardmap demo load` brings it back"
    )
    # ... an explicit load does, under new ledger numbers: a number is never issued twice.
    assert (await load(isolated_db)).total == 340
    live, distinct_numbers = await one(
        isolated_db,
        "SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(DISTINCT ledger_no) FROM hazards",
    )
    assert (live, distinct_numbers) == (340, 680)
    # ... with uids of their own: the cleared rows keep theirs.
    assert await one(isolated_db, "SELECT count(DISTINCT uid) FROM hazards") == 680


async def test_load_refuses_without_roads(isolated_db: str) -> None:
    engine = create_async_engine(isolated_db)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM roads"))
    finally:
        await engine.dispose()
    with pytest.raises(DemoError, match="no roads loaded"):
        await load(isolated_db)
    assert await one(isolated_db, "SELECT count(*) FROM hazards") == 0


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def database_url(isolated_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HAZARDMAP_DATABASE_URL", isolated_db)
    get_settings.cache_clear()
    yield isolated_db
    get_settings.cache_clear()


def test_command_loads_once_with_if_empty_and_clears(database_url: str) -> None:
    from app.cli import cli

    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "load", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded: 300 points and 40 segments" in first.output
    assert "东昌府区" in first.output  # the per-county table

    second = runner.invoke(cli, ["demo", "load", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "demo data not loaded: the ledger is not empty (340 live rows)" in second.output

    refused = runner.invoke(cli, ["demo", "load"])
    assert refused.exit_code == 1
    assert "loaded already (340 rows)" in refused.output

    cleared = runner.invoke(cli, ["demo", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert "340 demo rows marked deleted" in cleared.output
