"""The history (履历) in words: who, when, what changed ("状态：已上报 → 已认领"), never JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.clock import as_beijing
from app.hazards.lifecycle import Action
from app.roads.chainage import format_chainage
from app.vocab import Direction, Grade, Labelled, Source, Status, Visibility

# The columns whose change is told, in this order, with the words key of their label.
FIELDS = (
    "status",
    "category_code",
    "grade",
    "visibility",
    "source",
    "description",
    "address",
    "county_code",
    "township_code",
    "road_id",
    "chainage_m",
    "end_chainage_m",
    "direction",
    "deadline",
    "measures",
    "interim_measures",
    "evidence",
    "evidence_photos",
    "verifier",
    "verification",
    "reject_reason",
    "duplicate_of",
    "supervision_level",
    "supervision_reason",
    "deleted_at",
)
LABEL_KEY = {
    "category_code": "category",
    "county_code": "county",
    "township_code": "township",
    "road_id": "road",
    "chainage_m": "chainage",
    "end_chainage_m": "chainage",
    "evidence_photos": "photos",
    "deleted_at": "deleted",
}
VOCAB: dict[str, type[Labelled]] = {
    "status": Status,
    "grade": Grade,
    "visibility": Visibility,
    "source": Source,
}
STAGE_KEY = {"report": "stage_report", "before": "stage_before", "after": "stage_after"}


def when(value: datetime | date | str | None) -> str:
    """A time as Beijing reads it: 2026-11-03 14:05; a date as 2026-11-03."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return as_beijing(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def label(vocab: type[Labelled], code: object, lang: str) -> str:
    try:
        member = vocab(str(code))
    except ValueError:
        return str(code)
    return member.zh if lang == "zh" else member.en


def value(field: str, v: Any, w: dict[str, str], lang: str) -> str:
    if v is None or v == "" or v == []:
        return w["tl_empty"]
    if field in VOCAB:
        return label(VOCAB[field], v, lang)
    if field == "direction":
        return label(Direction, v, lang)
    if field in ("chainage_m", "end_chainage_m"):
        return format_chainage(float(v)) or str(v)
    if field == "supervision_level":
        return w.get(f"level_{v}", str(v))
    if field == "evidence_photos":
        return "、".join(f"#{p}" for p in v) if isinstance(v, list) else str(v)
    if field == "deleted_at":
        return when(v)
    return str(v)


def action_words(action: str, w: dict[str, str], lang: str) -> str:
    if action in Action.codes():
        a = Action(action)
        return a.zh if lang == "zh" else a.en
    return w.get(f"tl_{action}", action)


def entry(event: dict[str, Any], w: dict[str, str], lang: str) -> dict[str, Any]:
    """One event: the sentence ("张三（zhangsan）于 2026-11-03 14:05 签字认领，签字人：…") and its changes."""
    changes: dict[str, Any] = event["changes"] or {}
    action = event["action"]
    who = w["tl_by_at"].format(actor=event["actor"] or w["tl_system"], at=when(event["at"]))
    what = action_words(action, w, lang)
    extra = []
    if action in ("photo_add", "photo_remove"):
        photo = changes.get("photo") or {}
        stage = w.get(STAGE_KEY.get(str(photo.get("stage")), ""), "")
        what = w[f"tl_{action}"].format(stage=stage) + (f" #{photo['id']}" if photo.get("id") else "")
        lines: list[str] = []
    elif action in ("create", "import"):
        lines = []
    else:
        if action == "claim":
            name = _new(changes, "claim_name")
            if name:
                extra.append(
                    w["tl_signed"].format(
                        name=name,
                        post=_new(changes, "claim_post") or "",
                        unit=_new(changes, "claim_unit") or "",
                    )
                )
        colon = "：" if lang == "zh" else ": "
        lines = [
            f"{w[LABEL_KEY.get(f, f)]}{colon}{value(f, old, w, lang)} → {value(f, new, w, lang)}"
            for f in FIELDS
            for old, new in [changes.get(f) or (None, None)]
            if f in changes and isinstance(changes[f], list) and len(changes[f]) == 2
        ]
        if "geom" in changes and "road_id" not in changes and "chainage_m" not in changes:
            lines.append(w["tl_moved"])
    sep = "，" if lang == "zh" else ", "
    sentence = (who + " " + what) if lang == "zh" else f"{who}: {what}"
    if extra:
        sentence += sep + sep.join(extra)
    return {
        "id": event["id"],
        "action": action,
        "sentence": sentence,
        "changes": lines,
        "note": w["tl_note"].format(note=event["note"]) if event.get("note") else "",
    }


def _new(changes: dict[str, Any], field: str) -> Any:
    pair = changes.get(field)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None
