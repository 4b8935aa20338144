"""`hazardmap demo load`."""

from __future__ import annotations

import typer

demo_cli = typer.Typer(help="The demo data set (marked demo).")
