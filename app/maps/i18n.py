"""The pages' words, Chinese first: one table, read by the templates and handed to the scripts.

The ledger's own vocabulary (statuses, grades, 显性/隐性, road groups) comes from app.vocab, so a page
and an export never name the same thing two ways.
"""

from __future__ import annotations

from fastapi import Request, Response

from app.vocab import Grade, HazardKind, Labelled, RoadGroup, Status, Visibility

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "hm_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# key: (中文, English)
TEXT: dict[str, tuple[str, str]] = {
    # shared
    "app_name": ("道路交通安全隐患挂图作战", "Road-safety hazard map"),
    "city_map": ("全市", "whole city"),
    "switch_lang": ("English", "中文"),
    "switch_lang_title": ("Switch to English", "切换到中文"),
    "loading": ("正在加载…", "Loading…"),
    "load_failed": ("数据加载失败,稍后自动重试", "Could not load the data; retrying shortly"),
    "boundary_credit": ("行政区划: Vonng/adcode (CC BY 4.0), 高德地图行政区划", ""),
    "schematic_roads": ("示意路网 schematic road network", ""),
    "not_found_title": ("没有这个县(市、区)", "No such county"),
    "not_found_text": (
        "地址中的代码不是本市的县(市、区)或开发区。",
        "The code in the address is not a county or zone of this city.",
    ),
    "back_to_city": ("返回全市地图", "Back to the city map"),
    # login and logout
    "login_title": ("登录", "Log in"),
    "login_name": ("账号", "Login"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Log in"),
    "login_failed": ("账号或密码错误,或账号已停用", "Wrong login or password, or the account is disabled"),
    "login_expired": ("页面已过期,请重新登录", "The page expired; please log in again"),
    "logout": ("退出", "Log out"),
    "logout_title": ("退出登录", "Log out"),
    "logout_text": ("确定退出当前账号吗?", "Log out of this account?"),
    "logged_out": ("已退出登录", "You are logged out"),
    # county map
    "map_title": ("隐患分布图", "hazard map"),
    "choose_area": ("区域", "Area"),
    "filters": ("筛选", "Filters"),
    "status": ("状态", "Status"),
    "status_default": ("未销号和已销号", "open and closed"),
    "status_open": ("未销号(全部)", "open (all)"),
    "category": ("类别", "Category"),
    "all": ("全部", "all"),
    "visibility": ("显性/隐性", "Explicit/implicit"),
    "grade": ("等级", "Grade"),
    "road_groups": ("道路图层", "Road layers"),
    "road_none": ("不在已知道路上", "on no known road"),
    "legend": ("图例", "Legend"),
    "legend_open": ("未销号隐患点", "open hazard"),
    "legend_closed": ("已销号隐患点", "closed hazard"),
    "legend_rejected": ("不予认定", "rejected"),
    "legend_overdue": ("超期未整改", "overdue"),
    "legend_supervised": ("挂牌督办", "under listed supervision"),
    "legend_segment_open": ("事故易发多发路段(未销号)", "accident-prone segment, open"),
    "legend_segment_closed": ("事故易发多发路段(已销号)", "accident-prone segment, closed"),
    "legend_cluster": ("聚合:未销号 | 已销号", "cluster: open | closed"),
    "legend_outline": ("县(市、区)界", "county boundary"),
    "legend_township": ("乡镇(街道)驻地", "township seat"),
    "counts": ("台账统计", "Ledger counts"),
    "found": ("发现", "found"),
    "open": ("未销号", "open"),
    "closed": ("已销号", "closed"),
    "rejected": ("不予认定", "rejected"),
    "rate": ("整改率", "rectified"),
    "overdue": ("超期", "overdue"),
    "supervised": ("挂牌督办", "supervised"),
    "supervision_pending": (
        "挂牌督办待台账流程上线后统计",
        "supervision is counted once the ledger workflow has it",
    ),
    "on_map": ("图上", "on the map"),
    "too_many": (
        "数量较多,已按网格汇总;放大查看单个隐患",
        "many hazards: counted per grid cell; zoom in for single ones",
    ),
    "truncated": ("仅显示前 {n} 个,请放大", "showing the first {n}; zoom in"),
    "ledger_no": ("隐患编号", "Ledger no."),
    "road_chainage": ("道路/桩号", "Road / chainage"),
    "responsible": ("责任单位", "Responsible unit"),
    "deadline": ("整改时限", "Deadline"),
    "no_deadline": ("未定", "not set"),
    "record": ("查看台账记录", "Open the record"),
    "photo_open": ("查看原图", "Open the photo"),
    "kind": ("类型", "Kind"),
    "description": ("隐患描述", "Description"),
    "demo": ("演示数据", "demo data"),
    # crash analysis layers (county map and wall)
    "crash_layers": ("事故分析", "Crash analysis"),
    "layer_candidates": ("事故易发多发点段(待研判)", "Accident-prone candidates (to review)"),
    "layer_density": ("事故密度", "Crash density"),
    "density_unit": ("每格 {cell} 内的事故起数", "crashes per {cell} cell"),
    "density_none": ("视野内没有事故记录", "no crashes in view"),
    "cand_point": ("事故易发多发点", "Accident-prone point"),
    "cand_segment": ("事故易发多发路段", "Accident-prone segment"),
    "cand_status": ("待研判", "awaiting review"),
    "cand_window": ("窗口桩号", "Window"),
    "cand_crashes": ("事故", "Crashes"),
    "cand_fatal": ("亡人事故", "Fatal crashes"),
    "cand_deaths": ("死亡", "Deaths"),
    "cand_injuries": ("受伤", "Injuries"),
    "cand_period": ("统计时段", "Period"),
    "cand_reasons": ("认定依据", "Grounds"),
    "cand_accept": ("纳入台账", "Accept into the ledger"),
    "cand_dismiss": ("排除", "Dismiss"),
    "cand_note": ("排除理由(可不填)", "Reason for dismissing (optional)"),
    "cand_accepted": ("已纳入台账,编号 {no}", "Accepted into the ledger: {no}"),
    "cand_dismissed": ("已排除", "Dismissed"),
    "cand_failed": ("操作失败:{detail}", "Failed: {detail}"),
    "n_crashes": ("{n} 起", "{n} crashes"),
    "n_people": ("{n} 人", "{n}"),
    "n_range": ("{n} 起", "{n}"),
    "reason_fatal_crashes": ("亡人事故多发", "repeated fatal crashes"),
    "reason_major_crashes": ("多人死亡事故", "crashes with several deaths"),
    "reason_ordinary_crashes": ("一般程序事故多发", "repeated injury crashes"),
    "reason_crashes": ("事故多发", "many crashes"),
    # wall
    "wall_title": ("聊城市道路交通安全隐患排查整治 挂图作战", "Liaocheng road-safety hazards: the wall map"),
    "last_updated": ("数据更新", "Updated"),
    "whole_city": ("全市合计", "City total"),
    "refresh_every": ("每 {n} 秒刷新", "refreshed every {n} s"),
    "focus": ("当前", "Now showing"),
    "by_road_group": ("按道路(未销号)", "open, by road layer"),
    "stale": ("数据未能更新", "figures could not be refreshed"),
    "trend": ("近 {n} 周趋势", "The last {n} weeks"),
    "trend_note": ("未销号、超期为周末时点数", "open and overdue as at each week's end"),
    # printing: the wall map (挂图) and the map file
    "print_poster": ("打印挂图（A1 PDF）", "Wall map (A1 PDF)"),
    "print_map_file": ("导出地图文件（HTML）", "Map file (HTML)"),
    # ledger page
    "ledger_title": ("{city}道路交通安全隐患排查整治台账", "{city} road-traffic-safety hazard ledger"),
    "ledger_as_of": ("截至 {date}", "as of {date}"),
    "ledger_rows": ("共 {n} 条", "{n} rows"),
    "ledger_empty": ("没有符合条件的隐患", "No hazards match"),
    "ledger_filter": ("筛选", "Filter"),
    "ledger_status_all": ("全部状态", "every status"),
    "ledger_group_all": ("全部道路", "every road"),
    "ledger_supervised_only": ("仅挂牌督办", "supervised only"),
    "ledger_apply": ("查询", "Apply"),
    "ledger_print": ("打印", "Print"),
    "ledger_download": ("下载", "Download"),
    "ledger_printed": ("打印时间", "Printed"),
    "ledger_made": ("制表时间：{at}（北京时间）", "Made {at} (Beijing time)"),
    "ledger_filter_line": ("筛选：{filter}", "Filter: {filter}"),
    "ledger_filter_none": ("全部隐患", "every hazard"),
    "ledger_sign_maker": ("制表人", "Prepared by"),
    "ledger_sign_checker": ("审核人", "Checked by"),
    "ledger_sign_leader": ("分管负责人（签字）", "Leader in charge (signature)"),
    "ledger_sign_date": ("日期：　　　年　　月　　日", "Date:"),
    "ledger_seal": ("（单位盖章）", "(seal)"),
    # field
    "field_title": ("隐患采集", "Report a hazard"),
    "locate": ("定位", "Locate me"),
    "locating": ("正在定位…", "Locating…"),
    "locate_failed": (
        "无法定位(需要 HTTPS 或定位权限)",
        "Cannot locate (needs HTTPS or the location permission)",
    ),
    "mode_point": ("隐患点", "Point"),
    "mode_segment": ("路段", "Segment"),
    "hint_point": ("点击地图标注隐患位置", "Tap the map where the hazard is"),
    "hint_segment": ("沿道路依次点击,标出路段", "Tap along the road to mark the segment"),
    "segment_points": ("已选 {n} 个点", "{n} points"),
    "undo": ("撤销", "Undo"),
    "done": ("完成", "Done"),
    "pin_here": ("标在我的位置", "Pin where I am"),
    "form_title": ("填写隐患信息", "Describe the hazard"),
    "photos": ("照片", "Photos"),
    "photos_after_submit": (
        "提交后自动上传所选照片",
        "The photos chosen are uploaded once the report is sent",
    ),
    "photo_add": ("拍照/添加照片", "Take or add photos"),
    "photos_of": ("{no} 的现场照片", "Photos of {no}"),
    "photo_uploading": ("上传中 {pct}%", "uploading {pct}%"),
    "photo_done": ("已上传", "uploaded"),
    "photo_failed": ("上传失败:{detail}", "not uploaded: {detail}"),
    "photo_retry": ("重传", "Retry"),
    "address": ("路段位置", "Location"),
    "address_placeholder": ("如:G309 K516+600 北侧", "e.g. G309 K516+600, north side"),
    "description_placeholder": ("简要描述现场情况", "What is there"),
    "submit": ("提交", "Submit"),
    "cancel": ("取消", "Cancel"),
    "sending": ("正在提交…", "Sending…"),
    "retrying": ("网络异常,正在重试({n})…", "Network problem, retrying ({n})…"),
    "send_failed": ("提交失败,请检查网络后重试", "Could not send; check the network and retry"),
    "retry": ("重试", "Retry"),
    "sent": ("已提交,编号 {no}", "Sent: {no}"),
    "refused": ("提交被拒绝:{detail}", "Refused: {detail}"),
    "pending_draft": ("有一条未提交成功的隐患", "One report was not sent"),
    "discard": ("放弃", "Discard"),
    "new_pin": ("新标注", "new"),
    "dup_title": ("附近 {n} 米内已有同类隐患…", "An open hazard of this kind lies within {n} m…"),
    "dup_ask": (
        "是否与下列隐患为同一处?选中后可合并为重复上报。",
        "Is it one of these? Pick it to record your report as a duplicate.",
    ),
    "dup_distance": ("相距 {m} 米", "{m} m away"),
    "dup_merge": ("合并为重复", "Merge as duplicate"),
    "dup_create": ("仍然上报", "Report anyway"),
    "dup_discard": ("取消上报", "Cancel the report"),
    "merged": ("已合并为 {of} 的重复上报(编号 {no})", "Recorded as a duplicate of {of} ({no})"),
}


# The ledger's columns in English (the Chinese headers are app.ledger.service.COLUMNS).
LEDGER_COLUMNS_EN: dict[str, str] = {
    "no": "No.",
    "ledger_no": "Ledger no.",
    "county": "County",
    "township": "Township",
    "road_code": "Road",
    "chainage": "Chainage",
    "place": "Place",
    "direction": "Direction",
    "category": "Category",
    "description": "Description",
    "visibility": "Explicit/implicit",
    "grade": "Grade",
    "reported_at": "Found",
    "source": "Source",
    "claim_name": "Claimed by",
    "claim_post": "Their post",
    "claim_unit": "Claiming unit",
    "claimed_at": "Claimed",
    "interim_measures": "Interim control",
    "measures": "Measures",
    "deadline": "Deadline",
    "status": "Status",
    "rectified_at": "Rectified",
    "closed_at": "Closed",
    "verifier": "Verifier",
    "supervised": "Supervised",
    "supervision_level": "Supervision level",
}


def pick_lang(request: Request) -> tuple[str, bool]:
    """The page's language and whether it was chosen just now (then it is remembered in a cookie)."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked, True
    remembered = request.cookies.get(COOKIE)
    return (remembered if remembered in LANGS else DEFAULT_LANG), False


def remember(response: Response, lang: str) -> None:
    response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=False)


def strings(lang: str) -> dict[str, str]:
    """The table in one language; an English gap falls back to the Chinese (credits stay as written)."""
    i = LANGS.index(lang)
    return {key: pair[i] or pair[0] for key, pair in TEXT.items()}


def _labels(vocab: type[Labelled], lang: str) -> dict[str, str]:
    return {m.value: (m.zh if lang == "zh" else m.en) for m in vocab}


def vocab(lang: str) -> dict[str, dict[str, str]]:
    return {
        "status": _labels(Status, lang),
        "grade": _labels(Grade, lang),
        "visibility": _labels(Visibility, lang),
        "road_group": _labels(RoadGroup, lang),
        "kind": _labels(HazardKind, lang),
    }
