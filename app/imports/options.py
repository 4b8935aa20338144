"""The options of an import as a client gives them in text (the API's form fields, the command's
options), checked into ``ImportOptions``; each refusal names the field."""

from __future__ import annotations

import json

from app.coords import Crs
from app.errors import invalid
from app.imports.reading import Field, ImportFormat, infer_format
from app.imports.service import ImportOptions, Mode


def options_from_form(
    file_name: str, format_: str | None, crs: str, mapping: str | None, mode: str, dry_run: bool
) -> ImportOptions:
    if format_:
        try:
            fmt = ImportFormat(format_.strip().lower())
        except ValueError:
            raise invalid(
                "format", f"unknown format {format_!r}; use {', '.join(f.value for f in ImportFormat)}"
            ) from None
    else:
        inferred = infer_format(file_name)
        if inferred is None:
            raise invalid(
                "format",
                f"cannot tell the format from the file name {file_name!r}: give format "
                f"({', '.join(f.value for f in ImportFormat)})",
            )
        fmt = inferred
    try:
        crs_ = Crs(crs.strip().lower())
    except ValueError:
        raise invalid("crs", f"unknown coordinate system {crs!r}; use wgs84, cgcs2000 or gcj02") from None
    try:
        mode_ = Mode(mode.strip().lower())
    except ValueError:
        raise invalid("mode", f"unknown mode {mode!r}; use all-or-nothing or valid-rows") from None
    return ImportOptions(format=fmt, crs=crs_, mapping=parse_mapping(mapping), mode=mode_, dry_run=dry_run)


def parse_mapping(mapping: str | None) -> dict[str, str]:
    """The mapping as JSON: the file's column → our field; refused unless every target is a field."""
    if mapping is None or not mapping.strip():
        return {}
    try:
        value = json.loads(mapping)
    except json.JSONDecodeError as exc:
        raise invalid("mapping", f'is not JSON: {exc.msg} (expected e.g. {{"经度": "lon"}})') from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise invalid("mapping", "must be a JSON object of column name → field name, both strings")
    fields = {f.value for f in Field}
    unknown = sorted(v for v in value.values() if v not in fields)
    if unknown:
        raise invalid(
            "mapping",
            f"unknown field(s) {', '.join(map(repr, unknown))}; the fields are {', '.join(sorted(fields))}",
        )
    targets = list(value.values())
    twice = sorted({v for v in targets if targets.count(v) > 1})
    if twice:
        raise invalid("mapping", f"field(s) {', '.join(map(repr, twice))} mapped from more than one column")
    return dict(value)
