"""The base-map page's words and the switcher's source names: (zh, en)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "title": ("底图设置", "Base maps"),
    "intro": (
        "各页面默认显示的底图；用户可在地图、现场采集页和大屏的图层按钮中另选（仅对本浏览器有效）。",
        "The base map every page opens with; users may pick another with the layer button of "
        "the maps, the field page and the wall (kept in their browser).",
    ),
    "name": ("名称", "Name"),
    "source": ("来源", "Source"),
    "crs": ("坐标系", "Coordinates"),
    "format": ("瓦片", "Tiles"),
    "hosts": ("瓦片服务器", "Tile servers"),
    "default": ("默认", "Default"),
    "save": ("设为默认", "Make default"),
    "saved": ("已保存：默认底图为 {name}。", "Saved: the default base map is {name}."),
    "failed": ("未能保存：{error}", "Not saved: {error}"),
    "preview": ("预览", "Preview"),
    "none": ("（本服务）", "(this service)"),
    "import_hint": (
        "离线瓦片包（MBTiles、PMTiles）在服务器上用 hazardmap basemap import 文件 名称 导入。",
        "Offline tile packages (MBTiles, PMTiles) are imported on the server with "
        "hazardmap basemap import FILE NAME.",
    ),
}

SOURCES: dict[str, tuple[str, str]] = {
    "blank": ("无底图（仅本服务图层）", "None (the service's layers only)"),
    "tianditu": ("天地图", "Tianditu"),
    "xyz": ("XYZ 瓦片", "XYZ tiles"),
    "wmts": ("WMTS", "WMTS"),
    "package": ("离线瓦片包", "Offline package"),
}
CRS = {"wgs84": ("WGS84", "WGS84"), "gcj02": ("GCJ-02（偏移）", "GCJ-02 (shifted)")}


def words(lang: str) -> dict[str, str]:
    i = 0 if lang == "zh" else 1
    return {k: v[i] for k, v in WORDS.items()}
