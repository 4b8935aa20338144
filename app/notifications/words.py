"""The preferences page's words, Chinese first (key: (中文, English))."""

from __future__ import annotations

from app.notifications.preferences import CHANNEL_EN, CHANNEL_ZH, Channel

WORDS: dict[str, tuple[str, str]] = {
    "title": ("通知设置", "Notification settings"),
    "intro": (
        "选择每类事件通过哪些方式告知您。未作选择的，按默认：站内通知和每日汇总全部接收，"
        "需要您尽快处理的（待核验、挂牌督办、即将到期、超期）同时即时发邮件。",
        "Choose how you hear of each kind of event. Without a choice the defaults hold: everything in the "
        "app and in the daily digest, and an e-mail at once for what needs you soon (awaiting "
        "verification, listed, due soon, overdue).",
    ),
    "email": ("邮箱地址", "E-mail address"),
    "email_hint": ("留空则不发邮件。", "Leave empty for no e-mail."),
    "email_off": (
        "本系统尚未配置邮件服务器，暂不发送邮件；您的选择会保留。",
        "This service has no mail server configured yet: no e-mail is sent; your choices are kept.",
    ),
    "digest_at": (
        "每日汇总邮件于北京时间 {time} 发送。",
        "The daily digest goes out at {time} Beijing time.",
    ),
    "event": ("事件", "Event"),
    "save": ("保存", "Save"),
    "saved": ("已保存。", "Saved."),
    "failed": ("保存失败：{error}", "Could not save: {error}"),
    "back": ("返回通知列表", "Back to my notifications"),
}


def words(lang: str) -> dict[str, str]:
    i = 1 if lang == "en" else 0
    out = {k: v[i] for k, v in WORDS.items()}
    names = CHANNEL_EN if lang == "en" else CHANNEL_ZH
    out.update({f"channel_{c.value}": names[c] for c in Channel})
    return out
