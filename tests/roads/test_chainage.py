"""Every notation of 桩号 met in notices and road tables, read back to metres."""

from __future__ import annotations

import math

import pytest

from app.errors import InvalidInput
from app.roads.chainage import Carriageway, ParsedChainage, format_chainage, parse_chainage

L, R = Carriageway.left, Carriageway.right

CASES: list[tuple[str, ParsedChainage]] = [
    ("K257+015", ParsedChainage(None, 257_015, None, None)),
    ("ZK50+200", ParsedChainage(None, 50_200, None, L)),
    ("YK50+200", ParsedChainage(None, 50_200, None, R)),
    ("K516+600-K517+200", ParsedChainage(None, 516_600, 517_200, None)),
    ("516KM+600M", ParsedChainage(None, 516_600, None, None)),
    ("516km+600m", ParsedChainage(None, 516_600, None, None)),
    ("2362K+700-2363K+200", ParsedChainage(None, 2_362_700, 2_363_200, None)),
    ("312国道2155公里+700米", ParsedChainage("G312", 2_155_700, None, None)),
    ("77公里加800米", ParsedChainage(None, 77_800, None, None)),
    ("G309 K516+600", ParsedChainage("G309", 516_600, None, None)),
    ("G309(516KM+600M-517KM+200M)", ParsedChainage("G309", 516_600, 517_200, None)),
    ("G309（516KM+600M－517KM+200M）", ParsedChainage("G309", 516_600, 517_200, None)),  # full width
    ("G309线K516+600~K517+200", ParsedChainage("G309", 516_600, 517_200, None)),
    ("国道105线K12+300至K13+000", ParsedChainage("G105", 12_300, 13_000, None)),
    ("S245 ZK1+000—ZK2+500", ParsedChainage("S245", 1_000, 2_500, L)),
    ("G0321 K38+000", ParsedChainage("G0321", 38_000, None, None)),
    ("g20 k5+5", ParsedChainage("G20", 5_005, None, None)),
    ("Ｋ５１６＋６００", ParsedChainage(None, 516_600, None, None)),
    ("K0+000", ParsedChainage(None, 0, None, None)),
    ("K12", ParsedChainage(None, 12_000, None, None)),
    ("K12+300.5", ParsedChainage(None, 12_300.5, None, None)),
    ("12+300", ParsedChainage(None, 12_300, None, None)),
    ("77.8公里", ParsedChainage(None, 77_800, None, None)),
    ("2155公里700米", ParsedChainage(None, 2_155_700, None, None)),
    ("K517+200-K516+600", ParsedChainage(None, 517_200, 516_600, None)),  # against the chainage
]


@pytest.mark.parametrize(("written", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_notation_is_read_to_metres(written: str, expected: ParsedChainage) -> None:
    assert parse_chainage(written) == expected


REFUSED: list[tuple[str, str]] = [
    ("", "is empty: expected a chainage (桩号) such as K516+600"),
    ("abc", "cannot read 'abc': expected a chainage (桩号) such as K516+600"),
    ("516600", "is a bare number (kilometres or metres?)"),
    ("K1+1200", "the metres after the kilometre must be below 1000"),
    ("K1+100=K1+080", "is a chain break (断链"),
    ("ZK1+000-YK2+000", "starts and ends on different carriageways"),
    ("K1+000-K1+000", "starts and ends at the same chainage"),
    ("K1+000-K2+000-K3+000", "has more than two chainages"),
    ("G309516KM+600M", "cannot read"),  # the code runs into the chainage: not split at a guess
]


@pytest.mark.parametrize(("written", "message"), REFUSED, ids=[c[0] or "(empty)" for c in REFUSED])
def test_unreadable_chainage_names_what_was_expected(written: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_chainage(written, field="properties.chainage")
    assert err.value.errors[0].field == "properties.chainage"
    assert message in err.value.errors[0].message


@pytest.mark.parametrize(
    ("metres", "label"),
    [(516_600, "K516+600"), (257_015, "K257+015"), (0, "K0+000"), (999.6, "K1+000"), (12_300.4, "K12+300")],
)
def test_metres_are_written_as_k_plus(metres: float, label: str) -> None:
    assert format_chainage(metres) == label


def test_canonical_label_keeps_the_carriageway() -> None:
    assert parse_chainage("zk50+200").label == "ZK50+200"
    assert parse_chainage("G309(516KM+600M-517KM+200M)").label == "K516+600-K517+200"


@pytest.mark.parametrize(("written", "_"), CASES, ids=[c[0] for c in CASES])
def test_label_reads_back_to_the_same_metres(written: str, _: ParsedChainage) -> None:
    parsed = parse_chainage(written)
    again = parse_chainage(parsed.label)
    # Labels round half up to the metre.
    assert (again.start_m, again.end_m, again.carriageway) == (
        math.floor(parsed.start_m + 0.5),
        None if parsed.end_m is None else math.floor(parsed.end_m + 0.5),
        parsed.carriageway,
    )
