"""The schematic road network file and the script that builds it."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from app.geodata.shipped import ROADS_FILE
from app.settings import PROJECT_ROOT
from app.vocab import RoadClass

SCRIPT = PROJECT_ROOT / "geodata" / "build_schematic_roads.py"


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_schematic_roads", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def features() -> list[dict[str, Any]]:
    with ROADS_FILE.open(encoding="utf-8") as f:
        doc: dict[str, Any] = json.load(f)
    return doc["features"]


def test_rebuilding_gives_the_same_bytes() -> None:
    assert builder().build().encode("utf-8") == ROADS_FILE.read_bytes()


def test_the_script_runs_standalone(tmp_path: Path) -> None:
    out = tmp_path / "roads.geojson"
    subprocess.run([sys.executable, str(SCRIPT), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == ROADS_FILE.read_bytes()


def test_properties() -> None:
    fs = features()
    assert len(fs) == 203
    for f in fs:
        p = f["properties"]
        assert f["geometry"]["type"] == "LineString"
        assert len(f["geometry"]["coordinates"]) >= 2
        assert p["schematic"] is True
        assert RoadClass(p["class"])
        assert p["name"].startswith(p["code"] + " ")
        assert isinstance(p["start_chainage_m"], int) and p["start_chainage_m"] >= 0
    by_class = Counter(f["properties"]["class"] for f in fs)
    assert by_class == {
        "expressway": 23, "national": 20, "provincial": 11,
        "county": 27, "township": 74, "village": 48,
    }  # fmt: skip


def test_route_codes_follow_gb_t_917() -> None:
    patterns = {
        "expressway": r"^[GS](\d{1,2}|\d{4})$",
        "national": r"^G\d{3}$",
        "provincial": r"^S\d{3}$",
        "county": r"^X\d{3}$",
        "township": r"^Y\d{3}$",
        "village": r"^C\d{3}$",
    }
    for f in features():
        p = f["properties"]
        assert re.match(patterns[p["class"]], p["code"]), p["code"]


def test_local_road_codes_are_unique_and_only_real_routes_have_chainage() -> None:
    local = [
        f["properties"] for f in features() if f["properties"]["class"] in ("county", "township", "village")
    ]
    assert len({p["code"] for p in local}) == len(local)
    assert all(p["start_chainage_m"] == 0 and p["code_verified"] is False for p in local)
    unverified = {f["properties"]["code"] for f in features() if not f["properties"]["code_verified"]}
    # Our guesses: the two provincial expressway codes and two national roads.
    assert unverified - {p["code"] for p in local} == {"S12", "S21", "G240", "G342"}


def test_route_pieces_chain_up() -> None:
    """Along a route, each piece starts at a higher chainage than the one before it."""
    by_code: dict[str, list[int]] = {}
    for f in features():
        p = f["properties"]
        if p["class"] in ("expressway", "national", "provincial"):
            by_code.setdefault(p["code"], []).append(p["start_chainage_m"])
    assert set(by_code) == {
        "G20", "G0321", "S1", "G22", "S21", "S12", "G309", "G308", "G105", "G240", "G342",
        "S245", "S242", "S254", "S315",
    }  # fmt: skip
    for code, starts in by_code.items():
        assert starts == sorted(starts) and len(set(starts)) == len(starts), code
