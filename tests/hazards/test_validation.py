"""The request checks of app.hazards.validation on their own: no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import shapely

from app.clock import BEIJING, beijing_if_naive
from app.coords import Crs, to_wgs84
from app.errors import InvalidInput
from app.hazards.validation import (
    SELF_CROSSING,
    check_dates,
    to_geometry,
    validate_new,
    validate_patch,
)
from app.vocab import HazardKind

POINT = {"type": "Point", "coordinates": [115.96, 36.46]}


def feature(geometry: Any = POINT, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"category": "JC01", **properties}}


def refusal(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in exc.value.errors]


def test_a_valid_point_passes_with_its_properties() -> None:
    checked = validate_new(HazardKind.point, feature(grade="major", description="急弯"))
    assert checked.properties is not None
    assert (checked.properties.category, checked.properties.grade.value) == ("JC01", "major")
    assert checked.properties.description == "急弯"


def test_a_body_that_is_not_an_object_is_named_by_its_json_kind() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, [1, 2])
    assert refusal(exc) == [("body", "expected a GeoJSON Feature object, got a JSON array")]


def test_a_feature_collection_is_told_to_send_one_feature() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, {"type": "FeatureCollection", "features": []})
    assert refusal(exc) == [
        (
            "type",
            "expected a GeoJSON Feature (type 'Feature'), got 'FeatureCollection'; "
            "send one Feature per request",
        )
    ]


def test_the_client_does_not_choose_the_id() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, {**feature(), "id": 7})
    assert refusal(exc) == [("id", "the server assigns the id; give properties.uid for an id of your own")]


def test_a_line_sent_as_a_point_is_sent_to_the_segments() -> None:
    line = {"type": "LineString", "coordinates": [[115.96, 36.46], [115.97, 36.47]]}
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, feature(line))
    assert refusal(exc) == [
        (
            "geometry.type",
            "expected Point, got 'LineString'; "
            "LineStrings are accident-prone segments: send them to /segments",
        )
    ]


def test_coordinates_as_text_are_refused_not_read() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, feature({"type": "Point", "coordinates": ["115.96", 36.46]}))
    assert refusal(exc) == [
        (
            "geometry.coordinates",
            '"115.96" is not a number; '
            "a position is [longitude, latitude] in JSON numbers, e.g. [116.1, 36.4]",
        )
    ]


def test_an_unknown_property_lists_what_a_client_may_set() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_new(HazardKind.point, feature(colour="red"))
    [(field, message)] = refusal(exc)
    assert field == "properties.colour"
    assert message.startswith("unknown property; a client may set: category, ")


def test_latitude_first_is_out_of_range() -> None:
    with pytest.raises(InvalidInput) as exc:
        to_geometry(HazardKind.point, {"type": "Point", "coordinates": [36.46, 115.96]}, Crs.wgs84)
    assert refusal(exc) == [
        (
            "geometry.coordinates",
            "[36.46, 115.96] is not a longitude, latitude pair "
            "(longitude first, in [-180, 180]; latitude in [-90, 90])",
        )
    ]


def test_a_segment_of_one_repeated_position_has_zero_length() -> None:
    same = {"type": "LineString", "coordinates": [[115.96, 36.46], [115.96000000001, 36.46]]}
    with pytest.raises(InvalidInput) as exc:
        to_geometry(HazardKind.segment, same, Crs.wgs84)
    assert refusal(exc) == [
        ("geometry.coordinates", "a segment needs at least two distinct positions (it has zero length)")
    ]


def test_a_segment_crossing_itself_is_refused() -> None:
    loop = [[115.0, 36.0], [115.1, 36.1], [115.1, 36.0], [115.0, 36.1]]
    with pytest.raises(InvalidInput) as exc:
        to_geometry(HazardKind.segment, {"type": "LineString", "coordinates": loop}, Crs.wgs84)
    assert refusal(exc) == [("geometry.coordinates", SELF_CROSSING)]


def test_a_gcj02_position_is_stored_as_wgs84() -> None:
    geom = to_geometry(HazardKind.point, {"type": "Point", "coordinates": [115.96, 36.46]}, Crs.gcj02)
    assert isinstance(geom, shapely.Point)
    # Converted by app.coords, whose own tests hold it to known pairs; here it is some 500 m west.
    assert shapely.equals_exact(geom, to_wgs84(shapely.Point(115.96, 36.46), Crs.gcj02), tolerance=0)
    assert round(geom.x, 3) == 115.954


def test_a_time_without_an_offset_is_beijing_time() -> None:
    assert beijing_if_naive(datetime(2026, 3, 2, 9, 30)) == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    aware = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert beijing_if_naive(aware) is aware
    assert beijing_if_naive(None) is None


def test_dates_in_the_future_or_before_the_report_are_refused() -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(InvalidInput) as exc:
        check_dates(soon, None, "properties")
    assert refusal(exc) == [("properties.reported_at", "lies in the future")]
    reported = datetime(2026, 3, 2, 0, 30, tzinfo=BEIJING)  # 1 March in UTC, 2 March in Beijing
    with pytest.raises(InvalidInput) as exc:
        check_dates(reported, date(2026, 3, 1), "properties")
    assert refusal(exc) == [
        ("properties.deadline", "must not be before the day the hazard was reported (2026-03-02)")
    ]
    check_dates(reported, date(2026, 3, 2), "properties")  # the same day is fine


def test_a_patch_names_every_wrong_member_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_patch(
            HazardKind.point,
            5,
            {"id": 6, "colour": "red", "properties": {"ledger_no": "x", "grade": None, "nonsense": 1}},
        )
    assert refusal(exc) == [
        ("colour", "unknown member; a patch has properties and/or geometry"),
        ("id", "not editable"),
        ("properties.ledger_no", "not editable: the number is given once, at creation"),
        ("properties.grade", "cannot be removed (null); give a value"),
        ("properties.nonsense", "unknown property; it is not part of a hazard"),
    ]


def test_a_patch_geometry_may_leave_out_its_type() -> None:
    props, geometry = validate_patch(
        HazardKind.segment,
        5,
        {"properties": {"grade": "major"}, "geometry": {"coordinates": [[1, 2], [3, 4]]}},
    )
    assert props.model_fields_set == {"grade"}
    assert geometry == {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}
