"""The SQL composition helper: markers filled exactly, a missing or left-over marker is an error."""

from __future__ import annotations

import pytest

from app.sqlfiles import CompositionError, markers, render


def test_fills_every_occurrence_of_each_marker() -> None:
    sql = "SELECT count(*) FROM h WHERE /*where*/;\nSELECT /*cols*/ FROM h WHERE /*where*/"
    assert render(sql, where="h.a = :a", cols="h.id") == (
        "SELECT count(*) FROM h WHERE h.a = :a;\nSELECT h.id FROM h WHERE h.a = :a"
    )


def test_an_empty_piece_leaves_the_place_empty() -> None:
    assert render("SELECT h.id, /*extra*/ h.name FROM h", extra="") == "SELECT h.id,  h.name FROM h"


def test_a_marker_without_a_piece_is_an_error() -> None:
    with pytest.raises(CompositionError, match=r"no SQL given for the marker\(s\) /\*chainage\*/"):
        render("SELECT /*chainage*/ FROM h WHERE /*where*/", where="true")


def test_a_piece_without_a_marker_is_an_error() -> None:
    with pytest.raises(CompositionError, match=r"no marker /\*where\*/ in the SQL"):
        render("SELECT 1", where="true")


def test_markers_in_comments_and_strings_are_text() -> None:
    sql = (
        "-- callers fill /*where*/\n"
        "SELECT '/*where*/' AS s, \"/*where*/\" AS q /* a note on /*where*/ */\n"
        "FROM h WHERE /*where*/"
    )
    assert markers(sql) == {"where"}
    assert render(sql, where="true").endswith("FROM h WHERE true")
    assert render(sql, where="true").startswith("-- callers fill /*where*/\nSELECT '/*where*/'")


def test_a_piece_is_not_read_again_for_markers() -> None:
    assert render("SELECT /*a*/", a="/*b*/") == "SELECT /*b*/"
