"""Every notation of 桩号 met in notices and road tables, read back to metres."""

from __future__ import annotations

import math

import pytest

from app.errors import InvalidInput
from app.roads.chainage import Carriageway, ParsedChainage, format_chainage, parse_chainage
from app.vocab import Direction

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
    # A place as written in a notice: the road's name, 桩号, 处, and the direction of travel.
    ("S1济聊高速K93", ParsedChainage("S1", 93_000)),
    ("G309线K516+600处", ParsedChainage("G309", 516_600)),
    ("桩号K93+500上行", ParsedChainage(None, 93_500, direction=Direction.increasing)),
    ("K93+500(下行)", ParsedChainage(None, 93_500, direction=Direction.decreasing)),
    ("K93+500（下行）", ParsedChainage(None, 93_500, direction=Direction.decreasing)),
    ("G105 K384+200 北向南", ParsedChainage("G105", 384_200, heading="北向南")),
    ("G20青银高速K402+300", ParsedChainage("G20", 402_300)),
    ("G309 荣兰线 K516+600", ParsedChainage("G309", 516_600)),
    ("G309线桩号K516+600-K517+200双向", ParsedChainage("G309", 516_600, 517_200, direction=Direction.both)),
    ("S245线ZK1+000附近由西向东", ParsedChainage("S245", 1_000, None, L, heading="西向东")),
    ("位于桩号：K12+300米处", ParsedChainage(None, 12_300)),
]


@pytest.mark.parametrize(("written", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_notation_is_read_to_metres(written: str, expected: ParsedChainage) -> None:
    assert parse_chainage(written) == expected


# Refusals say, in Chinese, which part of the text could not be read.
REFUSED: list[tuple[str, str]] = [
    ("", "为空：请填写桩号，应写作 K516+600"),
    ("abc", "“abc”中的桩号部分“ABC”无法识别：应写作 K516+600"),
    ("516600", "“516600”只是一个数（公里还是米？）"),
    ("K1+1200", "公里后的米数须小于 1000"),
    ("K1+100=K1+080", "是断链桩号"),
    ("ZK1+000-YK2+000", "的起点和终点不在同一幅"),
    ("K1+000-K1+000", "的起点和终点是同一桩号"),
    ("K1+000-K2+000-K3+000", "中有两个以上的桩号"),
    ("G309516KM+600M", "中的桩号部分“G309516KM+600M”无法识别"),  # not split at a guess
    ("Q309线K516+600", "“Q309线K516+600”中的道路编号“Q309”无法识别：应如 G309、S1、X012"),
    ("G309线K5a6+600处", "“G309线K5a6+600处”中的桩号部分“K5A6+600”无法识别"),
    ("K93+500东边", "“K93+500东边”中的“东边”无法识别：不是桩号、道路编号、方向"),
    ("K93+500 东向北", "“K93+500 东向北”中的方向“东向北”无法识别：应如 北向南"),
    ("K93+500上行(北向南)", "写了不止一个方向（“上行”、“(北向南)”）"),
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


def test_a_heading_is_a_compass_vector() -> None:
    assert parse_chainage("G105 K384+200 北向南").heading_vector == (0.0, -2.0)
    assert parse_chainage("K1 自东向西").heading_vector == (-2.0, 0.0)
    assert parse_chainage("K1").heading_vector is None
