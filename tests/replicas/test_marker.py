"""The read-your-writes mark alone: made, honoured within its window, refused otherwise."""

from __future__ import annotations

import pytest

from app.replicas import marker
from app.replicas.settings import ReplicaSettings, get_replica_settings

NOW = 1_800_000_000.0


def test_the_mark_holds_for_the_window_only() -> None:
    window = get_replica_settings().read_your_writes_s
    value = marker.mark(NOW)
    assert marker.marked(value, NOW)
    assert marker.marked(value, NOW + window - 0.5)
    assert not marker.marked(value, NOW + window + 1)


def test_a_forged_or_stretched_mark_is_refused() -> None:
    window = get_replica_settings().read_your_writes_s
    until, _, mac = marker.mark(NOW).partition(".")
    assert not marker.marked(f"{until}.{'0' * len(mac)}", NOW)  # wrong MAC
    far = int(NOW + window * 100)
    assert not marker.marked(f"{far}.{marker._mac(far)}", NOW)  # beyond the window, even signed
    for junk in ("", "x", ".", "12.", "-5.abc", "9" * 40 + ".ab", "1e9.ff"):
        assert not marker.marked(junk, NOW)


@pytest.mark.parametrize(
    ("given", "urls"),
    [
        ("", []),
        ("postgres://a@h1/db, postgresql://a@h2/db", ["postgres://a@h1/db", "postgresql://a@h2/db"]),
        ("postgres://a@h1/db postgres://a@h2/db", ["postgres://a@h1/db", "postgres://a@h2/db"]),
        ('["postgres://a@h1/db"]', ["postgres://a@h1/db"]),
    ],
)
def test_replica_urls_setting(monkeypatch: pytest.MonkeyPatch, given: str, urls: list[str]) -> None:
    monkeypatch.setenv("HAZARDMAP_DATABASE_REPLICA_URLS", given)
    assert ReplicaSettings().database_replica_urls == urls


def test_a_replica_url_must_be_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAZARDMAP_DATABASE_REPLICA_URLS", "mysql://a:secret@h1/db")
    with pytest.raises(ValueError, match="postgres:// URL, not 'h1/db'"):
        ReplicaSettings()
