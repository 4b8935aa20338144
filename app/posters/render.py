"""Drawing the wall map (挂图) with matplotlib: a vector PDF (one or more pages) or a PNG of page one.

Everything is laid out in millimetres of the sheet. The map is drawn in the projected metres PostGIS
gives (equal aspect, so the scale bar is true); the numbered table sits beside it (landscape) or
below it (portrait), its type shrunk to fit, and continued on further pages when even the smallest
type does not hold every row. Pure functions of :class:`Poster`: no database here.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import matplotlib

matplotlib.use("agg")

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from app.posters import fonts

# ISO 216 sheets, portrait (width, height) in millimetres.
SIZES_MM: dict[str, tuple[float, float]] = {
    "A0": (841, 1189),
    "A1": (594, 841),
    "A2": (420, 594),
    "A3": (297, 420),
    "A4": (210, 297),
}
MM = 1 / 25.4  # inches

# The screen map's colours (app/static/maps/maps.css, common.js).
OPEN = "#d7301f"
CLOSED = "#1a9850"
OTHER = "#8c8c8c"
OVERDUE = "#7a0019"
SUPERVISED = "#6a3d9a"
INK = "#1c2733"
MUTED = "#5b6b7b"
ROAD_STYLE: dict[str, dict[str, Any]] = {
    "rural": {"color": "#8c8c8c", "width": 0.45, "dashes": (3, 2)},
    "county_township": {"color": "#7f6000", "width": 0.8},
    "trunk": {"color": "#c55a11", "width": 1.3},
    "expressway": {"color": "#2f5597", "width": 1.7},
}
ROAD_LABEL = {
    "expressway": "高速公路",
    "trunk": "普通国省道",
    "county_township": "县乡道",
    "rural": "农村道路",
}

# The table: (heading, width in em of its type). Row texts are clipped to their width.
TABLE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 2.6),
    ("隐患编号", 9.8),
    ("道路及桩号", 12.0),
    ("隐患类别", 6.5),
    ("状态", 6.2),
    ("整改时限", 5.6),
    ("督办", 2.4),
)
COLUMN_GAP_EM = 0.6
UNCUT = {"序号", "隐患编号", "整改时限"}
# Symbols, lines and labels of the map, in points at A1 times this (a wall map is read from metres away).
MAP_SCALE = 1.9
BLOCK_GAP_EM = 2.5
ROW_EM = 1.5

_lock = threading.Lock()


@dataclass(frozen=True)
class Item:
    """One numbered hazard or segment."""

    no: int
    kind: str  # point or segment
    ledger_no: str
    road: str  # road code and 桩号, as the table prints it
    category: str
    status: str  # its label
    state: str  # open, closed or other (rejected, duplicate)
    deadline: date | None
    overdue: bool
    supervised: bool
    geom: BaseGeometry  # projected
    at: BaseGeometry  # where its number is written


@dataclass(frozen=True)
class Poster:
    title: str
    unit_name: str
    made_at: datetime  # Beijing time
    filter_text: str
    counts: dict[str, str]  # label → value, in the order printed
    box: tuple[float, float, float, float]
    outline: BaseGeometry | None
    counties: list[tuple[str, str, BaseGeometry | None, BaseGeometry | None]]  # code, name, outline, seat
    unit_code: str
    townships: list[tuple[str, BaseGeometry]]
    roads: list[tuple[str, str, BaseGeometry]]  # group, code, line
    items: list[Item]
    attribution: str
    size: str = "A1"
    orientation: str = "landscape"
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    width: float  # mm
    height: float

    @property
    def scale(self) -> float:
        """Type and line widths grow with the sheet: 1 at A1."""
        return math.sqrt(self.width * self.height / (594 * 841))


def sheet(size: str, orientation: str) -> Sheet:
    w, h = SIZES_MM[size]
    return Sheet(h, w) if orientation == "landscape" else Sheet(w, h)


def pixels(size: str, orientation: str, dpi: int) -> tuple[int, int]:
    """The PNG's size in pixels at ``dpi`` (what matplotlib writes: the inches times dpi, rounded)."""
    s = sheet(size, orientation)
    return int(s.width * MM * dpi), int(s.height * MM * dpi)


# -- the table's layout -------------------------------------------------------------------------------
def _em_width(text: str) -> float:
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.56 for ch in text)


def clip(text: str, em: float) -> str:
    if _em_width(text) <= em:
        return text
    out = ""
    for ch in text:
        if _em_width(out + ch) > em - 0.6:
            break
        out += ch
    return out + "…"


BLOCK_EM = sum(w for _, w in TABLE_COLUMNS) + COLUMN_GAP_EM * (len(TABLE_COLUMNS) - 1)


@dataclass(frozen=True)
class TableFit:
    pt: float
    blocks: int
    rows_per_block: int

    @property
    def capacity(self) -> int:
        return self.blocks * self.rows_per_block


def fit_table(width_mm: float, height_mm: float, rows: int, pt_max: float, pt_min: float) -> TableFit:
    """The largest type (in steps of 0.25 pt) at which ``rows`` rows fit; else the smallest."""
    pt = pt_max
    while True:
        em = pt * 0.3528
        blocks = max(1, int((width_mm + BLOCK_GAP_EM * em) // ((BLOCK_EM + BLOCK_GAP_EM) * em)))
        per_block = max(1, int(height_mm // (ROW_EM * em)) - 1)  # the heading takes a row
        fit = TableFit(pt, blocks, per_block)
        if fit.capacity >= rows or pt - 0.25 < pt_min:
            return fit
        pt -= 0.25


# -- drawing ---------------------------------------------------------------------------------------
def paths(geom: BaseGeometry) -> Iterator[Sequence[tuple[float, float]]]:
    """The lines of a (multi)line, or the rings of a (multi)polygon."""
    kind = geom.geom_type
    if kind == "LineString" or kind == "LinearRing":
        yield list(geom.coords)
    elif kind == "Polygon":
        yield list(geom.exterior.coords)
        for ring in geom.interiors:
            yield list(ring.coords)
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from paths(part)


def _polygon_patch(geom: BaseGeometry, **kw: Any) -> PathPatch | None:
    vertices: list[tuple[float, float]] = []
    codes: list[Any] = []
    for ring in paths(geom):
        if len(ring) < 3:
            continue
        vertices += ring
        codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return PathPatch(MplPath(vertices, codes), **kw) if vertices else None


# A light box behind a label on the map. (A stroked halo would turn the text into outlines: the
# labels stay text, so that the PDF can be searched and its numbers read back.)
_BOX: dict[str, Any] = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8}


def _nice_length(span_m: float) -> float:
    raw = span_m / 5
    base = 10 ** math.floor(math.log10(raw))
    return next(m * base for m in (5, 2, 1) if m * base <= raw)


def _draw_map(fig: Figure, ax: Axes, p: Poster, s: float) -> None:
    x1, y1, x2, y2 = p.box
    ax.set_xlim(x1, x2)
    ax.set_ylim(y1, y2)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#ffffff")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8 * s)
        spine.set_color(INK)

    # Counties around, the unit itself strongest.
    for code, _name, outline, _seat in p.counties:
        if outline is None or outline.is_empty:
            continue
        mine = code == p.unit_code
        patch = _polygon_patch(
            outline,
            facecolor="#dce9f5" if mine else "#f1f4f7",
            edgecolor="#5b7083",
            linewidth=0.5 * s,
            alpha=0.6 if mine else 1.0,
            zorder=1,
        )
        if patch is not None:
            ax.add_patch(patch)
    if p.outline is not None:
        patch = _polygon_patch(p.outline, facecolor="none", edgecolor="#1f4e79", linewidth=2.2 * s, zorder=6)
        if patch is not None:
            ax.add_patch(patch)

    # The four road layers, the lesser under the greater.
    for group, style in ROAD_STYLE.items():
        lines = [path for g, _c, geom in p.roads if g == group for path in paths(geom) if len(path) > 1]
        if not lines:
            continue
        lc = LineCollection(
            lines,
            colors=style["color"],
            linewidths=style["width"] * s,
            zorder=2 + list(ROAD_STYLE).index(group) * 0.1,
            capstyle="round",
        )
        if "dashes" in style:
            lc.set_linestyle((0, style["dashes"]))
        ax.add_collection(lc)
    _label_roads(ax, p, s)

    # Township seats and county names.
    for name, seat in p.townships:
        ax.plot(seat.x, seat.y, "o", ms=2.4 * s, mfc="white", mec="#44546a", mew=0.6 * s, zorder=3)
        ax.annotate(
            name,
            (seat.x, seat.y),
            xytext=(3 * s, 0),
            textcoords="offset points",
            fontsize=6 * s,
            color="#44546a",
            va="center",
            zorder=3,
            bbox=_BOX,
            annotation_clip=True,
        )
    for code, name, _outline, seat in p.counties:
        if seat is None or (code == p.unit_code and p.townships):
            continue
        if x1 <= seat.x <= x2 and y1 <= seat.y <= y2:
            ax.text(
                seat.x,
                seat.y,
                name,
                fontsize=(13 if code == p.unit_code else 10) * s,
                color="#5b7083",
                ha="center",
                va="center",
                zorder=3,
                alpha=0.9,
                bbox=_BOX,
            )

    _draw_items(ax, p.items, s)
    _legend(ax, s)
    _north_arrow(ax, s)
    _scale_bar(ax, s)


def _label_roads(ax: Axes, p: Poster, s: float) -> None:
    """The route code of each expressway and trunk road, once, at the middle of its longest piece."""
    best: dict[str, tuple[float, BaseGeometry, str]] = {}
    for group, code, geom in p.roads:
        if group not in ("expressway", "trunk") or geom is None or geom.is_empty or not code:
            continue
        parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        longest = max(parts, key=lambda g: g.length)
        if longest.length > best.get(code, (0.0, longest, group))[0]:
            best[code] = (longest.length, longest, group)
    for code, (_len, line, group) in best.items():
        mid = line.interpolate(0.5, normalized=True)
        ax.text(
            mid.x,
            mid.y,
            code,
            fontsize=6.5 * s,
            color="white",
            ha="center",
            va="center",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "fc": ROAD_STYLE[group]["color"], "ec": "none"},
        )


def _colour(item: Item) -> str:
    return OPEN if item.state == "open" else CLOSED if item.state == "closed" else OTHER


def _draw_items(ax: Axes, items: list[Item], s: float) -> None:
    for it in items:
        if it.kind == "segment":
            for path in paths(it.geom):
                xs, ys = zip(*path, strict=True)
                ax.plot(xs, ys, color="white", lw=4.2 * s, solid_capstyle="butt", zorder=7)
                ax.plot(
                    xs,
                    ys,
                    color=_colour(it),
                    lw=2.8 * s,
                    solid_capstyle="butt",
                    zorder=7.1,
                    linestyle=(0, (4, 1.5)) if it.overdue else "-",
                )
        else:
            marker = "o" if it.state == "open" else "s" if it.state == "closed" else "D"
            ax.plot(
                it.geom.x,
                it.geom.y,
                marker,
                ms=(5 if marker != "D" else 3.6) * s,
                mfc=_colour(it),
                mec="white",
                mew=0.6 * s,
                zorder=8,
            )
        if it.overdue:
            ax.plot(it.at.x, it.at.y, "o", ms=8.5 * s, mfc="none", mec=OVERDUE, mew=1.1 * s, zorder=8.2)
        if it.supervised:
            ax.plot(it.at.x, it.at.y, "s", ms=11 * s, mfc="none", mec=SUPERVISED, mew=1.1 * s, zorder=8.3)
        ax.annotate(
            str(it.no),
            (it.at.x, it.at.y),
            xytext=(4.5 * s, 2.5 * s),
            textcoords="offset points",
            fontsize=5.5 * s,
            color=INK,
            zorder=9,
            bbox=_BOX,
            gid=f"hazard-{it.no}",
        )


def _legend(ax: Axes, s: float) -> None:
    ms = 5 * s
    handles = [
        Line2D([], [], ls="", marker="o", ms=ms, mfc=OPEN, mec="white", label="未销号隐患点"),
        Line2D([], [], ls="", marker="s", ms=ms, mfc=CLOSED, mec="white", label="已销号隐患点"),
        Line2D([], [], color=OPEN, lw=2.8 * s, label="未销号路段"),
        Line2D([], [], color=CLOSED, lw=2.8 * s, label="已销号路段"),
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=8.5 * s,
            mfc="none",
            mec=OVERDUE,
            mew=1.1 * s,
            label="超期（虚线为超期路段）",
        ),
        Line2D(
            [], [], ls="", marker="s", ms=11 * s, mfc="none", mec=SUPERVISED, mew=1.1 * s, label="挂牌督办"
        ),
        *[
            Line2D(
                [],
                [],
                color=st["color"],
                lw=st["width"] * s * 1.4,
                ls=(0, st["dashes"]) if "dashes" in st else "-",
                label=ROAD_LABEL[g],
            )
            for g, st in reversed(ROAD_STYLE.items())
        ],
        Rectangle((0, 0), 1, 1, fc="#dce9f5", ec="#1f4e79", lw=1.5 * s, label="辖区界线"),
        Line2D([], [], ls="", marker="o", ms=2.4 * s, mfc="white", mec="#44546a", label="乡镇（街道）驻地"),
        Line2D([], [], ls="", marker="$1$", ms=5 * s, color=INK, label="编号，见右表"),
    ]
    legend = ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=7 * s,
        title="图例",
        title_fontsize=8 * s,
        frameon=True,
        framealpha=0.92,
        edgecolor=MUTED,
        borderpad=0.8,
        labelspacing=0.7,
        handlelength=2.6,
    )
    legend.set_zorder(20)
    legend.get_frame().set_linewidth(0.5 * s)


def _north_arrow(ax: Axes, s: float) -> None:
    x, y = 0.95, 0.86
    ax.annotate(
        "",
        xy=(x, y + 0.06),
        xytext=(x, y),
        xycoords="axes fraction",
        zorder=20,
        arrowprops={
            "arrowstyle": "-|>,head_length=0.8,head_width=0.4",
            "lw": 1.6 * s,
            "color": INK,
            "mutation_scale": 14 * s,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    ax.text(
        x,
        y + 0.065,
        "北",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=12 * s,
        color=INK,
        zorder=20,
        fontweight="bold",
        bbox=_BOX,
    )


def _scale_bar(ax: Axes, s: float) -> None:
    """A bar of a round length in the map's metres, drawn after the aspect is settled."""
    fig = ax.get_figure()
    assert fig is not None
    ax.apply_aspect()
    (x1, x2), (y1, y2) = ax.get_xlim(), ax.get_ylim()
    length = _nice_length(x2 - x1)
    label = f"{length / 1000:g}公里" if length >= 1000 else f"{length:g}米"
    bx = x2 - (x2 - x1) * 0.04 - length
    by = y1 + (y2 - y1) * 0.04
    h = (y2 - y1) * 0.006
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                facecolor=INK if i % 2 == 0 else "white",
                edgecolor=INK,
                lw=0.6 * s,
                zorder=20,
            )
        )
    ax.text(bx, by + h * 1.8, "0", ha="center", va="bottom", fontsize=6.5 * s, zorder=20, bbox=_BOX)
    ax.text(
        bx + length, by + h * 1.8, label, ha="center", va="bottom", fontsize=6.5 * s, zorder=20, bbox=_BOX
    )


def _text(fig: Figure, sh: Sheet, x_mm: float, y_mm: float, text: str, **kw: Any) -> None:
    """Text at millimetres from the sheet's lower left corner."""
    fig.text(x_mm / sh.width, y_mm / sh.height, text, **kw)


def _draw_table(
    fig: Figure, sh: Sheet, items: list[Item], fit: TableFit, left: float, top: float, width: float
) -> None:
    em = fit.pt * 0.3528
    row = ROW_EM * em
    block_w = (width - (fit.blocks - 1) * BLOCK_GAP_EM * em) / fit.blocks
    stretch = block_w / (BLOCK_EM * em)  # spread the columns over the block's width
    for b in range(fit.blocks):
        rows = items[b * fit.rows_per_block : (b + 1) * fit.rows_per_block]
        if not rows and b > 0:
            break
        x0 = left + b * (block_w + BLOCK_GAP_EM * em)
        fig.add_artist(
            Rectangle(
                (x0 / sh.width, (top - row) / sh.height),
                block_w / sh.width,
                row / sh.height,
                transform=fig.transFigure,
                facecolor="#e4eaf0",
                edgecolor="none",
            )
        )
        xs = []
        x = x0 + 0.3 * em
        for _title, w in TABLE_COLUMNS:
            xs.append(x)
            x += (w + COLUMN_GAP_EM) * em * stretch
        for (title, _w), cx in zip(TABLE_COLUMNS, xs, strict=True):
            _text(
                fig, sh, cx, top - row / 2, title, fontsize=fit.pt, va="center", fontweight="bold", color=INK
            )
        for i, it in enumerate(rows):
            y = top - (i + 1.5) * row
            if i % 2 == 1:
                fig.add_artist(
                    Rectangle(
                        (x0 / sh.width, (y - row / 2) / sh.height),
                        block_w / sh.width,
                        row / sh.height,
                        transform=fig.transFigure,
                        facecolor="#f4f6f8",
                        edgecolor="none",
                    )
                )
            status = it.status + ("·超期" if it.overdue else "")
            cells = [
                str(it.no),
                it.ledger_no,
                it.road or "—",
                it.category or "",
                status,
                it.deadline.isoformat() if it.deadline else "—",
                "督" if it.supervised else "",
            ]
            for (title, w), cx, value in zip(TABLE_COLUMNS, xs, cells, strict=True):
                colour = (
                    OVERDUE if (title == "状态" and it.overdue) else SUPERVISED if title == "督办" else INK
                )
                # The number, the ledger number and the deadline are never cut; the texts may be.
                shown = value if title in UNCUT else clip(value, w * stretch)
                _text(fig, sh, cx, y, shown, fontsize=fit.pt, va="center", color=colour)


def _page(sh: Sheet, dpi: float = 72) -> Figure:
    fig = Figure(figsize=(sh.width * MM, sh.height * MM), dpi=dpi)
    fig.patch.set_facecolor("white")
    return fig


def _head(fig: Figure, sh: Sheet, p: Poster, s: float, margin: float, continued: str = "") -> float:
    """The title and the line under it; returns the y (mm) below them."""
    top = sh.height - margin
    _text(
        fig,
        sh,
        sh.width / 2,
        top,
        p.title + continued,
        fontsize=56 * s,
        ha="center",
        va="top",
        color=INK,
        fontweight="bold",
    )
    made = p.made_at.strftime("%Y年%m月%d日 %H:%M")
    sub = f"制图时间：{made}（北京时间）　　{p.filter_text}"
    _text(fig, sh, sh.width / 2, top - 26 * s, sub, fontsize=16 * s, ha="center", va="top", color=MUTED)
    return top - 38 * s


def _foot(fig: Figure, sh: Sheet, p: Poster, s: float, margin: float, page: int, pages: int) -> None:
    _text(fig, sh, margin, margin, p.attribution, fontsize=10 * s, va="bottom", color=MUTED)
    _text(
        fig,
        sh,
        sh.width - margin,
        margin,
        f"第 {page} 页，共 {pages} 页",
        fontsize=10 * s,
        ha="right",
        va="bottom",
        color=MUTED,
    )


def _counts(fig: Figure, sh: Sheet, p: Poster, s: float, left: float, top: float, width: float) -> float:
    """The headline numbers in a row of boxes; returns the y (mm) below them."""
    n = len(p.counts)
    gap = 3 * s
    w = (width - (n - 1) * gap) / n
    h = 24 * s
    colours = {"未销号": OPEN, "已销号": CLOSED, "超期": OVERDUE, "挂牌督办": SUPERVISED}
    for i, (label, value) in enumerate(p.counts.items()):
        x = left + i * (w + gap)
        fig.add_artist(
            Rectangle(
                (x / sh.width, (top - h) / sh.height),
                w / sh.width,
                h / sh.height,
                transform=fig.transFigure,
                facecolor="#f4f6f8",
                edgecolor="#d5dde5",
                lw=0.6 * s,
            )
        )
        _text(
            fig,
            sh,
            x + w / 2,
            top - h / 2,
            f"{label} {value}",
            fontsize=20 * s,
            ha="center",
            va="center",
            color=colours.get(label, INK),
            fontweight="bold",
        )
    for j, note in enumerate(p.notes):
        _text(fig, sh, left, top - h - (4 + 7 * j) * s, note, fontsize=12 * s, va="top", color=MUTED)
    return top - h - (8 + 7 * len(p.notes)) * s


def figures(p: Poster) -> list[Figure]:
    """The poster's pages."""
    sh = sheet(p.size, p.orientation)
    s = sh.scale
    margin = 12 * s
    # The table's type: grows with the sheet, never below 5 pt (still legible on paper).
    pt_max, pt_min = max(12 * s, 7.0), max(5 * s, 5.0)
    fig = _page(sh)
    below_head = _head(fig, sh, p, s, margin)
    foot = margin + 12 * s
    landscape = p.orientation == "landscape"
    if landscape:
        map_w = (sh.width - 2 * margin) * 0.60
        map_box = (margin, foot, map_w, below_head - foot)
        panel_left = margin + map_w + 10 * s
        panel_w = sh.width - margin - panel_left
        panel_top = below_head
    else:
        map_h = (below_head - foot) * 0.58
        map_box = (margin, below_head - map_h, sh.width - 2 * margin, map_h)
        panel_left = margin
        panel_w = sh.width - 2 * margin
        panel_top = below_head - map_h - 8 * s
    ax = fig.add_axes(
        (map_box[0] / sh.width, map_box[1] / sh.height, map_box[2] / sh.width, map_box[3] / sh.height)
    )
    _draw_map(fig, ax, p, MAP_SCALE * s)
    table_top = _counts(fig, sh, p, s, panel_left, panel_top, panel_w)
    fit = fit_table(panel_w, table_top - foot, len(p.items), pt_max, pt_min)
    pages: list[tuple[Figure, list[Item], TableFit, float, float, float]] = [
        (fig, p.items[: fit.capacity], fit, panel_left, table_top, panel_w)
    ]
    rest = p.items[fit.capacity :]
    while rest:
        more = _page(sh)
        top = _head(more, sh, p, s, margin, continued="（续表）")
        width = sh.width - 2 * margin
        more_fit = fit_table(width, top - foot, len(rest), pt_max, pt_min)
        pages.append((more, rest[: more_fit.capacity], more_fit, margin, top, width))
        rest = rest[more_fit.capacity :]
    for n, (page, rows, page_fit, left, top, width) in enumerate(pages, start=1):
        _draw_table(page, sh, rows, page_fit, left, top, width)
        _foot(page, sh, p, s, margin, n, len(pages))
    return [page for page, *_ in pages]


def _rc() -> Any:  # matplotlib types the keys as a closed set of literals
    path = fonts.font_path()
    if not any(f.fname == str(path) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return {
        "font.family": fonts.FAMILY,
        "pdf.fonttype": 42,  # TrueType subsets: the text stays text (searchable, sharp at any size)
        "axes.unicode_minus": False,
        "pdf.compression": 6,
    }


def pdf(p: Poster) -> bytes:
    out = io.BytesIO()
    with _lock, matplotlib.rc_context(_rc()):
        pages = figures(p)
        with PdfPages(out, metadata={"Title": p.title, "Creator": "hazardmap", "Author": "hazardmap"}) as doc:
            for page in pages:
                doc.savefig(page)
    return out.getvalue()


def png(p: Poster, dpi: int) -> bytes:
    """Page one (the map, the counts and the first rows of the table) as a PNG."""
    out = io.BytesIO()
    with _lock, matplotlib.rc_context(_rc()):
        page = figures(p)[0]
        FigureCanvasAgg(page)
        page.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


# For other printed documents (the reports): the same font, the same lock, a blank sheet.
def lock() -> threading.Lock:
    return _lock


rc = _rc
blank = _page
