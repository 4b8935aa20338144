"""The report as a workbook (XLSX) and as a printable PDF (A4 landscape, drawn with matplotlib)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import matplotlib
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app.posters import render
from app.vocab import Grade, RoadGroup

SUMMARY_HEADERS = [
    "单位", "发现", "上期发现", "增减", "销号", "上期销号", "整改率", "上期整改率", "按期整改率",
    "超期", "挂牌督办", "摘牌",
]  # fmt: skip
CRASH_HEADERS = [
    "单位", "事故起数", "去年同期", "增减", "增减%", "死亡人数", "去年同期", "增减", "增减%", "双下降",
]  # fmt: skip
BREAKDOWN_HEADERS = ["单位", "分组", "发现", "上期发现", "销号", "上期销号", "整改率", "超期"]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _signed(n: int) -> str:
    return f"{n:+d}"


def _signed_pct(p: float | None) -> str:
    return "—" if p is None else f"{p:+.1f}%"


def summary_rows(body: dict[str, Any]) -> Iterator[list[Any]]:
    for u in body["units"]:
        c, p = u["current"], u["previous"]
        yield [
            u["name"], c["found"], p["found"], _signed(u["change"]["found"]["change"]),
            c["closed"], p["closed"],
            _pct(c["rectification_rate"]), _pct(p["rectification_rate"]), _pct(c["on_time_rate"]),
            c["overdue"], c["supervised"], c["delisted"],
        ]  # fmt: skip


def crash_rows(body: dict[str, Any]) -> Iterator[list[Any]]:
    for u in body["units"]:
        k = u["crashes"]
        yield [
            u["name"],
            k["current"]["crashes"], k["year_earlier"]["crashes"], _signed(k["change"]["crashes"]["change"]),
            _signed_pct(k["change"]["crashes"]["change_pct"]),
            k["current"]["deaths"], k["year_earlier"]["deaths"], _signed(k["change"]["deaths"]["change"]),
            _signed_pct(k["change"]["deaths"]["change_pct"]),
            "是" if k["double_decline"] else "否",
        ]  # fmt: skip


def breakdown_rows(body: dict[str, Any], which: str) -> Iterator[list[Any]]:
    for u in body["units"]:
        if which == "by_category":
            groups = [(g["name_zh"], g) for g in u["by_category"]]
        else:
            vocab = RoadGroup if which == "by_road_group" else Grade
            groups = [
                (vocab(k).zh if k in vocab.codes() else "不在已知道路上", v) for k, v in u[which].items()
            ]
        for label, g in groups:
            c, p = g["current"], g["previous"]
            yield [
                u["name"], label, c["found"], p["found"], c["closed"], p["closed"],
                _pct(c["rectification_rate"]), c["overdue"],
            ]  # fmt: skip


def _title(body: dict[str, Any]) -> str:
    return f"{body['jurisdiction']['name']}道路交通安全隐患排查整治{body['period']['label']}报告"


def _subtitle(body: dict[str, Any]) -> str:
    return (
        f"本期 {body['period']['start']} 至 {body['period']['last_day']}；"
        f"上期 {body['previous_period']['label']}；"
        f"事故对比 {body['year_earlier']['label']}同期。制表时间：{body['made_at']}（北京时间）。\n"
        "整改率＝本期发现、期末前销号数÷（本期发现数－不予认定数）；按期整改率＝按期销号数÷有整改时限的销号数；"
        "重复上报不计入发现"
    )


def xlsx(body: dict[str, Any]) -> bytes:
    wb = Workbook()
    sheets = [
        ("汇总", SUMMARY_HEADERS, list(summary_rows(body))),
        ("事故双下降", CRASH_HEADERS, list(crash_rows(body))),
        ("按道路", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_road_group"))),
        ("按类别", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_category"))),
        ("按等级", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_grade"))),
    ]
    first = True
    for name, headers, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = name
        ws.append([_title(body)])
        ws.append([_subtitle(body)])
        ws.append(headers)
        ws["A1"].font = Font(bold=True, size=14)
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            ws.append(row)
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 14
        ws.freeze_panes = "B4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(body: dict[str, Any]) -> bytes:
    """A4 landscape pages: the summary, 双下降, then the breakdowns; tables continue on new pages."""
    sections = [
        ("一、隐患排查整治（本期与上期）", SUMMARY_HEADERS, list(summary_rows(body))),
        ("二、事故起数和死亡人数（与去年同期比，双下降）", CRASH_HEADERS, list(crash_rows(body))),
        ("三、按道路类别", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_road_group"))),
        ("四、按隐患类别", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_category"))),
        ("五、按隐患等级", BREAKDOWN_HEADERS, list(breakdown_rows(body, "by_grade"))),
    ]
    sh = render.sheet("A4", "landscape")
    margin, row_h, pt = 14.0, 6.2, 9.0
    out = io.BytesIO()
    pages: list[Any] = []
    with render.lock(), matplotlib.rc_context(render.rc()):
        fig, y = None, 0.0

        def new_page() -> tuple[Any, float]:
            page = render.blank(sh)
            pages.append(page)
            page.text(0.5, 1 - margin / sh.height, _title(body), ha="center", va="top", fontsize=16,
                      fontweight="bold")  # fmt: skip
            page.text(0.5, 1 - (margin + 9) / sh.height, _subtitle(body), ha="center", va="top", fontsize=8.5,
                      color=render.MUTED)  # fmt: skip
            return page, sh.height - margin - 24

        fig, y = new_page()
        width = sh.width - 2 * margin
        for heading, headers, rows in sections:
            if y - 3 * row_h < margin + 8:
                fig, y = new_page()
            fig.text(margin / sh.width, y / sh.height, heading, va="top", fontsize=11, fontweight="bold")
            y -= row_h * 1.3
            col_w = width / len(headers)
            first_w = col_w * 1.4
            rest_w = (width - first_w) / (len(headers) - 1)
            xs = [margin] + [margin + first_w + i * rest_w for i in range(len(headers) - 1)]

            def head_row(page: Any, at: float, hs: list[str] = headers, cols: list[float] = xs) -> None:
                for x, h in zip(cols, hs, strict=True):
                    page.text(x / sh.width, at / sh.height, h, va="top", fontsize=pt, fontweight="bold")

            head_row(fig, y)
            y -= row_h
            for r in rows or [["（无）"] + [""] * (len(headers) - 1)]:
                if y - row_h < margin + 8:
                    fig, y = new_page()
                    head_row(fig, y)
                    y -= row_h
                for x, v in zip(xs, r, strict=True):
                    fig.text(x / sh.width, y / sh.height, render.clip(str(v), 9), va="top", fontsize=pt)
                y -= row_h
            y -= row_h
        for n, page in enumerate(pages, start=1):
            page.text(0.5, margin / 2 / sh.height, f"第 {n} 页，共 {len(pages)} 页", ha="center", fontsize=8,
                      color=render.MUTED)  # fmt: skip
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(out, metadata={"Title": _title(body), "Creator": "hazardmap"}) as doc:
            for page in pages:
                doc.savefig(page)
    return out.getvalue()
