"""Fixtures of the demo-set tests."""

from __future__ import annotations
