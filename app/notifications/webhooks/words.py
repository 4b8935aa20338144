"""The webhook page's words: (zh, en)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Webhook 推送", "Webhooks"),
    "intro": (
        "事件（新增隐患、认领、整改待核验、挂牌、摘牌等）推送到外部接收方："
        "签名的 JSON 接口、企业微信群机器人或钉钉群机器人。"
        "推送内容只有隐患编号、区县、事件、督办级别和链接，不含任何个人信息。",
        "Events (a new hazard, claimed, rectified awaiting verification, listed, delisted …) posted to "
        "receivers outside: a signed JSON endpoint, a WeCom (企业微信) or DingTalk (钉钉) group robot. "
        "A message carries the ledger number, county, event, supervision level and link only: "
        "no personal data.",
    ),
    "subscriptions": ("订阅", "Subscriptions"),
    "none_yet": ("尚无订阅。", "No subscriptions yet."),
    "name": ("名称", "Name"),
    "url": ("地址", "URL"),
    "format": ("格式", "Format"),
    "events": ("事件", "Events"),
    "counties": ("区县", "Counties"),
    "all_counties": ("全部区县", "every county"),
    "enabled": ("启用", "Enabled"),
    "secret": ("密钥", "Secret"),
    "secret_set": ("已设置", "set"),
    "secret_none": ("无", "none"),
    "secret_hint": (
        "JSON 必填（HMAC-SHA256 签名）；钉钉为“加签”密钥（可选）；企业微信不填。保存后不再显示。",
        "Required for JSON (HMAC-SHA256 signature); DingTalk: its 加签 secret (optional); WeCom: none. "
        "Never shown again once saved.",
    ),
    "actions": ("操作", "Actions"),
    "test": ("测试发送", "Send a test"),
    "delete": ("删除", "Delete"),
    "confirm_delete": ("删除订阅“{name}”及其推送记录？", "Delete the subscription “{name}” and its log?"),
    "enable": ("启用", "Enable"),
    "disable": ("停用", "Disable"),
    "add": ("添加订阅", "Add a subscription"),
    "save": ("保存", "Save"),
    "log": ("推送记录", "Delivery log"),
    "log_empty": ("尚无推送记录。", "Nothing delivered yet."),
    "time": ("时间", "Time"),
    "webhook": ("订阅", "Webhook"),
    "event": ("事件", "Event"),
    "ledger_no": ("隐患编号", "Ledger number"),
    "state": ("状态", "State"),
    "attempts": ("尝试次数", "Attempts"),
    "status": ("HTTP 状态", "HTTP status"),
    "error": ("最后错误", "Last error"),
    "done": ("已完成。", "Done."),
    "failed": ("操作失败：{error}", "Failed: {error}"),
    "tested_ok": ("测试消息已送达（HTTP {status}）。", "Test message delivered (HTTP {status})."),
    "tested_failed": ("测试消息未送达：{error}", "Test message not delivered: {error}"),
    "formats_help": (
        "JSON 格式的签名：请求头 X-Hazardmap-Signature 为 t=〈时间戳〉,v1=〈签名〉；"
        "签名是以密钥对“时间戳.请求体”计算的 HMAC-SHA256（十六进制）。",
        "The JSON format's signature: the header X-Hazardmap-Signature is t=<timestamp>,v1=<signature>, "
        "the signature being HMAC-SHA256 (hex) with the secret over “<timestamp>.<body>”.",
    ),
}

FORMATS: dict[str, tuple[str, str]] = {
    "json": ("JSON（签名）", "JSON (signed)"),
    "wecom": ("企业微信群机器人", "WeCom group robot"),
    "dingtalk": ("钉钉群机器人", "DingTalk group robot"),
}

STATES: dict[str, tuple[str, str]] = {
    "pending": ("待发送", "pending"),
    "retrying": ("重试中", "retrying"),
    "delivered": ("已送达", "delivered"),
    "failed": ("失败", "failed"),
}


def pick(table: dict[str, tuple[str, str]], lang: str) -> dict[str, str]:
    i = 0 if lang == "zh" else 1
    return {k: v[i] for k, v in table.items()}
