"""The front end's pure helpers, tested by Node's own runner (`node --test tests/js/`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.settings import PROJECT_ROOT


@pytest.mark.skipif(shutil.which("node") is None, reason="no Node.js (make install puts it there)")
def test_front_end_helpers() -> None:
    tests = sorted(str(p) for p in (PROJECT_ROOT / "tests" / "js").glob("*.test.mjs"))
    assert tests, "no JavaScript tests found"
    proc = subprocess.run(
        ["node", "--test", *tests], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout
