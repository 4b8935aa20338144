"""The pages' words, Chinese first: one table, read by the templates and handed to the scripts.

The ledger's own vocabulary (statuses, grades, 显性/隐性, road groups) comes from app.vocab, so a page
and an export never name the same thing two ways.
"""

from __future__ import annotations

from fastapi import Request, Response

from app.vocab import Direction, Grade, HazardKind, Labelled, RoadGroup, Status, Visibility

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
    "load_failed": ("数据加载失败，稍后自动重试", "Could not load the data; retrying shortly"),
    "boundary_credit": ("行政区划：Vonng/adcode (CC BY 4.0)，高德地图行政区划", ""),
    "schematic_roads": ("示意路网 schematic road network", ""),
    "not_found_title": ("没有这个县（市、区）", "No such county"),
    "not_found_text": (
        "地址中的代码不是本市的县（市、区）或开发区。",
        "The code in the address is not a county or zone of this city.",
    ),
    "back_to_city": ("返回全市地图", "Back to the city map"),
    # login and logout
    "login_title": ("登录", "Log in"),
    "login_name": ("账号", "Login"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Log in"),
    "login_failed": ("账号或密码错误，或账号已停用", "Wrong login or password, or the account is disabled"),
    "login_expired": ("页面已过期，请重新登录", "The page expired; please log in again"),
    "logout": ("退出", "Log out"),
    "logout_title": ("退出登录", "Log out"),
    "logout_text": ("确定退出当前账号吗？", "Log out of this account?"),
    "logged_out": ("已退出登录", "You are logged out"),
    "login_throttled": (
        "登录失败次数过多，请 {n} 秒后再试。",
        "Too many failed logins; try again in {n} seconds.",
    ),
    "forbidden_title": ("无权查看", "Not permitted"),
    "forbidden_text": (
        "您的账号（{role}）无权查看此页面。如需查看，请联系管理员。",
        "Your account ({role}) may not see this page; ask an administrator if you need it.",
    ),
    "display_revoked_title": ("大屏密钥已失效", "This display's key is no longer valid"),
    "display_revoked_text": (
        "本屏的显示密钥已被吊销或无效。"
        "请管理员用 hazardmap keys create-display 生成新密钥，并在本屏打开它给出的链接。",
        "The display key of this screen was revoked or is unknown. An administrator makes a new one with "
        "hazardmap keys create-display; open the link it gives on this screen.",
    ),
    # the navigation header of every page (map_templates/_partials/nav.html)
    "nav_home": ("工作台", "Home"),
    "nav_map": ("地图", "Map"),
    "nav_todo": ("我的待办", "To-do"),
    "nav_ledger": ("台账", "Ledger"),
    "nav_wall": ("大屏", "Wall"),
    "nav_field": ("现场上报", "Field"),
    "nav_search": ("编号、道路+桩号或关键词", "Ledger no., road + chainage, or words"),
    "nav_search_button": ("查询", "Search"),
    "nav_basemaps": ("底图管理", "Base maps"),
    "nav_webhooks": ("推送", "Webhooks"),
    "nav_bell": ("通知", "Notifications"),
    "nav_bell_unread": ("通知（{n} 条未读）", "Notifications ({n} unread)"),
    # county map
    "map_title": ("隐患分布图", "hazard map"),
    "choose_area": ("区域", "Area"),
    "filters": ("筛选", "Filters"),
    "status": ("状态", "Status"),
    "status_default": ("未销号和已销号", "open and closed"),
    "status_open": ("未销号（全部）", "open (all)"),
    "category": ("类别", "Category"),
    "all": ("全部", "all"),
    "visibility": ("显性/隐性", "Explicit/implicit"),
    "grade": ("等级", "Grade"),
    "road_groups": ("道路图层", "Road layers"),
    "road_none": ("不在已知道路上", "on no known road"),
    "legend": ("图例", "Legend"),
    "legend_open": ("未销号隐患点（实心圆）", "open hazard (filled circle)"),
    "legend_closed": ("已销号隐患点（方框、勾）", "closed hazard (square, tick)"),
    "legend_rejected": ("不予认定", "rejected"),
    "legend_overdue": ("超期未整改（双圈、!）", "overdue (double ring, !)"),
    "legend_supervised": ("挂牌督办", "under listed supervision"),
    "legend_segment_open": ("事故易发多发路段（未销号）", "accident-prone segment, open"),
    "legend_segment_overdue": ("路段超期未整改（深红边）", "segment overdue (dark red casing)"),
    "legend_segment_closed": ("事故易发多发路段（已销号，虚线）", "accident-prone segment, closed (dashed)"),
    "legend_segment_supervised": ("路段挂牌督办（路段中点）", "segment under supervision (at its middle)"),
    "legend_cluster": ("聚合：● 未销号 | ✓ 已销号", "cluster: ● open | ✓ closed"),
    "legend_badges": ("聚合角标：! 其中超期，督 其中挂牌督办", "badges: ! overdue, 督 supervised among them"),
    "legend_outline": ("县（市、区）界", "county boundary"),
    "legend_township": ("乡镇（街道）驻地", "township seat"),
    "skip_to_layers": ("跳到图层开关和筛选", "Skip to the layer switches and filters"),
    "rural_zoom_note": ("农村道路在放大到 12 级以上时显示", "rural roads appear from zoom 12"),
    "counts": ("台账统计", "Ledger counts"),
    "found": ("发现", "found"),
    "open": ("未销号", "open"),
    "closed": ("已销号", "closed"),
    "rejected": ("不予认定", "rejected"),
    # closed ÷ (found − rejected): a close-out rate, named so.
    "rate": ("销号率", "closed-out rate"),
    "rate_note": ("销号率 = 已销号 ÷（发现 − 不予认定）", "closed-out rate = closed ÷ (found − rejected)"),
    "on_time_rate": ("按期整改率", "on-time rate"),
    "overdue": ("超期", "overdue"),
    "supervised": ("挂牌督办", "supervised"),
    "supervision_pending": (
        "挂牌督办待台账流程上线后统计",
        "supervision is counted once the ledger workflow has it",
    ),
    "on_map": ("图上", "on the map"),
    "too_many": (
        "数量较多，已按网格汇总；放大查看单个隐患",
        "many hazards: counted per grid cell; zoom in for single ones",
    ),
    "truncated": ("仅显示前 {n} 个，请放大", "showing the first {n}; zoom in"),
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
    "layer_candidates": ("事故易发多发点段（待研判）", "Accident-prone candidates (to review)"),
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
    "cand_note": ("排除理由（可不填）", "Reason for dismissing (optional)"),
    "cand_accepted": ("已纳入台账，编号 {no}", "Accepted into the ledger: {no}"),
    "cand_dismissed": ("已排除", "Dismissed"),
    "cand_failed": ("操作失败：{detail}", "Failed: {detail}"),
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
    "by_road_group": ("按道路（未销号）", "open, by road layer"),
    "stale": ("数据未能更新", "figures could not be refreshed"),
    "stale_banner": (
        "数据未能更新：以下为 {time} 的数据，正在重试",
        "Figures could not be refreshed: showing those of {time}; retrying",
    ),
    "alarm_overdue": ("新增超期：{items}", "Newly overdue: {items}"),
    "alarm_listed": ("新挂牌督办：{items}", "Newly listed for supervision: {items}"),
    "alarm_more": ("等 {n} 处", "and {n} more"),
    "alarm_ack": ("知道了", "Acknowledge"),
    "trend": ("近 {n} 周趋势", "The last {n} weeks"),
    "trend_note": (
        "发现按发现日期、销号按销号日期计；未销号、超期为周末时点数",
        "found by the day reported, closed by the day closed; open and overdue as at each week's end",
    ),
    # printing: the wall map (挂图) and the map file
    "print_poster": ("打印挂图（A1 PDF）", "Wall map (A1 PDF)"),
    "print_map_file": ("导出地图文件（HTML）", "Map file (HTML)"),
    # background jobs: wall maps, reports, detection runs
    "job_queued": ("排队中…", "Queued…"),
    "job_running": ("正在生成（{percent}）…", "Working ({percent})…"),
    "job_failed": ("未能完成：{error}", "Not done: {error}"),
    "job_download": ("已生成，点击下载", "Ready: download"),
    "detect_run": ("重新识别事故多发点段", "Run the accident-prone identification"),
    "detect_confirm": (
        "重新识别将以新结果替换全部待审核的候选点段（已纳入或已排除的不变）。是否继续？",
        "A new run replaces every candidate awaiting review (accepted and dismissed ones stay). Go on?",
    ),
    "detect_done": (
        "识别完成：点 {points} 处，段 {segments} 处；待审核候选 {proposed} 处",
        "Done: {points} points, {segments} segments; {proposed} candidates await review",
    ),
    "nav_reports": ("报告", "Reports"),
    "reports_title": ("隐患排查整治报告", "Hazard investigation and rectification report"),
    "reports_intro": (
        "按季度、半年或全年统计各县（市、区）和全市的发现、整改、超期、挂牌督办与事故对比；由后台生成，完成后下载。",
        "Found, rectified, overdue, listed and crashes per county and for the city, against the previous "
        "period; made in the background, then downloaded.",
    ),
    "reports_period": ("统计期", "Period"),
    "reports_unit": ("范围", "Area"),
    "reports_format": ("格式", "Format"),
    "reports_make": ("生成报告", "Make the report"),
    "reports_xlsx": ("Excel（XLSX）", "Excel (XLSX)"),
    "reports_pdf": ("PDF", "PDF"),
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
    # filters kept in the address, export of the filtered features
    "township": ("乡镇（街道）", "Township"),
    "township_all": ("全部乡镇（街道）", "every township"),
    "reported_between": ("发现日期", "Reported"),
    "date_from": ("发现日期起", "reported from"),
    "date_until": ("发现日期止", "reported until"),
    "date_to": ("至", "to"),
    "overdue_only": ("仅超期", "overdue only"),
    "supervised_only": ("仅挂牌督办", "supervised only"),
    "filters_clear": ("清除筛选", "Clear filters"),
    "export": ("导出当前筛选", "Export this selection"),
    "export_points": ("隐患点", "Points"),
    "export_segments": ("路段", "Segments"),
    "export_shp": ("Shapefile", "Shapefile"),
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
        "无法定位（需要 HTTPS 或定位权限），请在地图上点击标注",
        "Cannot locate (needs HTTPS or the location permission); tap the map instead",
    ),
    "accuracy": ("定位精度 ±{m} 米", "GPS accuracy ±{m} m"),
    "accuracy_poor": (
        "定位精度较差（±{m} 米，超过 {limit} 米），请在地图上点击标注准确位置",
        "Poor GPS accuracy (±{m} m, over {limit} m): tap the map where the hazard is",
    ),
    "mode_point": ("隐患点", "Point"),
    "mode_segment": ("路段", "Segment"),
    "hint_point": ("点击地图标注隐患位置", "Tap the map where the hazard is"),
    "hint_segment": ("沿道路依次点击，标出路段", "Tap along the road to mark the segment"),
    "segment_points": ("已选 {n} 个点", "{n} points"),
    "undo": ("撤销", "Undo"),
    "done": ("完成", "Done"),
    "pin_here": ("标在我的位置", "Pin where I am"),
    "form_title": ("填写隐患信息", "Describe the hazard"),
    "choose": ("请选择", "Choose…"),
    "choose_category": ("请选择隐患类别", "Choose the category"),
    "choose_grade": ("请选择隐患等级", "Choose the grade"),
    "road": ("道路", "Road"),
    "road_placeholder": ("如 G309", "e.g. G309"),
    "chainage_label": ("桩号", "Chainage"),
    "chainage_placeholder": ("如 K516+600 或 G309线K516+600处上行", "e.g. K516+600 or G309 K516+600 上行"),
    "direction_label": ("方向", "Direction"),
    "snap_preview": (
        "将定位到：{road} {chainage}（距道路 {m} 米）",
        "Will be placed on {road} {chainage} ({m} m from the road)",
    ),
    "snap_none": ("{m} 米内没有道路：按标注位置上报", "No road within {m} m: reported where pinned"),
    "snap_by_chainage": ("按所填道路和桩号定位", "Placed by the road and chainage entered"),
    "snap_checking": ("（正在核对…）", "(checking…)"),
    "photos": ("照片", "Photos"),
    "photos_kept": (
        "照片随上报一起保存，联网后自动上传",
        "Photos are kept with the report and sent when online",
    ),
    "photo_add": ("拍照/添加照片", "Take or add photos"),
    "photo_done": ("已上传", "uploaded"),
    "photo_failed": ("上传失败：{detail}", "not uploaded: {detail}"),
    "address": ("路段位置", "Location"),
    "address_placeholder": ("如：G309 K516+600 北侧", "e.g. G309 K516+600, north side"),
    "description_placeholder": ("简要描述现场情况", "What is there"),
    "submit": ("保存并上报", "Save and send"),
    "cancel": ("取消", "Cancel"),
    "retry": ("重试", "Retry"),
    "discard": ("放弃", "Discard"),
    "new_pin": ("新标注", "new"),
    "saved_offline": (
        "已保存在本机，联网后自动上报",
        "Saved on this phone; it is sent when the network returns",
    ),
    "saved_sending": ("已保存，正在上报…", "Saved; sending…"),
    "offline": ("离线", "Offline"),
    "online": ("在线", "Online"),
    # the outbox (我的上报)
    "outbox": ("我的上报", "My reports"),
    "outbox_empty": ("本机没有上报记录", "No reports on this phone"),
    "outbox_close": ("关闭", "Close"),
    "outbox_send_now": ("立即发送", "Send now"),
    "state_waiting": ("待发送", "waiting"),
    "state_sending": ("发送中", "sending"),
    "state_sent": ("已上报", "sent"),
    "state_attention": ("需处理", "needs attention"),
    "sent_as": ("台账编号 {no}", "Ledger no. {no}"),
    "open_record": ("查看", "Open"),
    "photos_progress": ("照片 {sent}/{all}", "photos {sent}/{all}"),
    "fix_and_resend": ("修改后重发", "Fix and resend"),
    "resend": ("保存修改并重发", "Save and resend"),
    "refused": ("未被接受：{detail}", "Refused: {detail}"),
    "login_needed": (
        "登录已过期，重新登录后自动发送",
        "Your session ended: sign in again and the reports are sent",
    ),
    "login_link": ("重新登录", "Sign in"),
    "discard_confirm": ("确定放弃这条上报吗？", "Discard this report?"),
    "area_missing": (
        "本机尚无离线路网，联网打开一次即可下载",
        "No offline roads yet: open this page once online",
    ),
    "dup_title": ("附近 {n} 米内已有同类隐患…", "An open hazard of this kind lies within {n} m…"),
    "dup_ask": (
        "是否与下列隐患为同一处？选中后可合并为重复上报。",
        "Is it one of these? Pick it to record your report as a duplicate.",
    ),
    "dup_distance": ("相距 {m} 米", "{m} m away"),
    "dup_merge": ("合并为重复", "Merge as duplicate"),
    "dup_create": ("仍然上报", "Report anyway"),
    "dup_discard": ("取消上报", "Cancel the report"),
    "dup_found": ("附近已有同类隐患，请确认", "An open hazard of this kind is near: decide"),
    "dup_decide": ("确认", "Decide"),
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
        "direction": _labels(Direction, lang),
    }
