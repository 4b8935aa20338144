"""The e-mails' text, without a server: Chinese, the record's link, no empty lines for what a
notification does not have."""

from __future__ import annotations

from datetime import date

from app.notifications import mail
from app.notifications.mail_repository import Item

BASE = "https://hazards.example.cn"


def test_a_candidate_links_to_its_countys_map() -> None:
    item = Item("candidate", None, None, None, None, None, "东昌府区", county_code="371502")
    out = mail.notification_email("a@jj.example.cn", item, BASE, "<x@jj.example.cn>")
    assert out.subject == "【道路交通安全隐患台账】发现事故多发点段候选"
    assert out.body.splitlines()[:4] == [
        "发现事故多发点段候选",
        "",
        "所在区县：东昌府区",
        f"查看：{BASE}/map/371502?layer=candidates",
    ]
    assert "隐患编号" not in out.body


def test_a_listing_names_its_level_and_deadline() -> None:
    item = Item(
        "listed", "city", 7, "segment", "371502-2026-0007", "G309 K12", "东昌府区", date(2026, 12, 20)
    )
    out = mail.notification_email("a@jj.example.cn", item, BASE, "<x@jj.example.cn>")
    assert out.body.splitlines()[:8] == [
        "隐患已挂牌督办",
        "",
        "隐患编号：371502-2026-0007",
        "所在区县：东昌府区",
        "路段位置：G309 K12",
        "整改时限：2026-12-20",
        "督办级别：市级挂牌督办",
        f"查看：{BASE}/segments/7",
    ]
