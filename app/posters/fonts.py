"""The CJK font of the printed pages: Noto Sans CJK SC with TrueType outlines.

Debian's ``fonts-noto-cjk`` ships the face with CFF outlines inside a collection (.ttc). matplotlib
embeds such a face in a PDF as a CID font whose program does not match its declared type (poppler
warns, some viewers refuse it); a face with TrueType (``glyf``) outlines embeds as a clean subset.
So the SC face is converted once, quadratic curves from the cubic ones (fontTools' cu2qu, within 1
unit of the 1000-unit em), and kept under ``var/fonts/`` for every later page (about 30 s the first
time; ``hazardmap poster`` and the first poster request do it).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from app.errors import ServiceUnavailable
from app.settings import get_settings

SOURCE_FAMILY = "Noto Sans CJK SC"
# The converted face is named apart, so that matplotlib never takes the system's CFF face for it.
FAMILY = "Noto Sans CJK SC Print"
# Where Debian (fonts-noto-cjk) puts the collection; the SC face is one of its members.
SYSTEM_COLLECTIONS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
)
# The characters kept: Latin, punctuation, symbols, the CJK ideographs of the BMP (with Extension A)
# and the full-width forms. The rest (kana, hangul, rarer planes) would only slow every page down:
# matplotlib subsets the whole font for each PDF, and the smaller face halves that time.
RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x017F),
    (0x2000, 0x27BF),
    (0x3000, 0x303F),
    (0x3200, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)

_lock = threading.Lock()


def font_path() -> Path:
    """The TrueType SC face, converted on first use."""
    target = get_settings().poster_font
    if target.exists():
        return target
    with _lock:
        if not target.exists():
            source = next((p for p in SYSTEM_COLLECTIONS if p.exists()), None)
            if source is None:
                raise ServiceUnavailable(
                    detail="the Noto Sans CJK font is not installed (Debian: fonts-noto-cjk)"
                )
            _convert(source, target)
    return target


def _convert(source: Path, target: Path) -> None:
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, newTable

    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == SOURCE_FAMILY)
    options = subset.Options()
    options.layout_features = []  # matplotlib lays text out itself
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for first, last in RANGES for u in range(first, last + 1)])
    subsetter.subset(font)
    glyphs = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    del font["CFF "]
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName("NotoSansCJKscPrint-Regular", 6, record.platformID, record.platEncID, record.langID)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(str(partial))
    partial.replace(target)
