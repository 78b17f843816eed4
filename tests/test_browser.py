"""map.html in a real browser: headless Debian Chromium driven by Playwright.

By default the map carries Leaflet and its plug-ins inline; with ``--map-assets cdn`` every CDN
asset it links to is served from ``.browser/node_modules`` (installed by ``make browser-deps``
from ``.browser/package.json``); map tiles get a blank local tile. Any other request that would
leave the machine fails the test. One test refuses every request, as a machine without internet
would. Playwright never downloads a browser: it drives ``/usr/bin/chromium``.

The demo test also writes the screenshot ``docs/map.png`` linked from the README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / ".browser" / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NPM = re.compile(
    r"^https://cdn\.jsdelivr\.net/npm/(?P<pkg>(?:@[^/@]+/)?[^/@]+)@(?P<ver>[^/]+)/(?P<path>[^?#]+)"
)
TILES = ("https://tile.openstreetmap.org/", "https://server.arcgisonline.com/")
MIME = {".js": "application/javascript", ".css": "text/css", ".png": "image/png",
        ".svg": "image/svg+xml", ".gif": "image/gif"}  # fmt: skip

pytestmark = pytest.mark.xdist_group("browser")


def _png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))  # fmt: skip

    head = size.to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


TILE = _png((236, 236, 228))


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is missing in CI: run `make browser-deps`")
    pytest.skip(f"{what} is missing (run `make browser-deps`)")


@pytest.fixture(scope="module")  # closed before test_report.py starts its own Playwright
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    if not (MODULES / "leaflet").is_dir():
        _missing(str(MODULES))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A page with every request checked and the console recorded."""

    def __init__(
        self, browser: Any, path: Path, *, viewport: tuple[int, int] = (1200, 800)
    ) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.served: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.cgMap !== undefined")
        self.page.wait_for_timeout(300)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:", "http://127.0.0.1", "http://localhost")):
            route.continue_()
            return
        if url.startswith(TILES):
            route.fulfill(status=200, body=TILE, content_type="image/png")
            return
        match = NPM.match(url)
        if match:
            pkg, ver, rel = match["pkg"], match["ver"], match["path"]
            meta = MODULES / pkg / "package.json"
            file = MODULES / pkg / rel
            if meta.is_file() and json.loads(meta.read_text())["version"] == ver and file.is_file():
                self.served.append(url)
                route.fulfill(status=200, body=file.read_bytes(),
                              content_type=MIME.get(file.suffix, "application/octet-stream"))  # fmt: skip
                return
        self.outside.append(url)
        route.abort()

    def eval(self, js: str) -> Any:
        return self.page.evaluate(js)

    def check_clean(self) -> None:
        assert not self.outside, f"requests leaving the machine: {self.outside}"
        assert not self.errors, f"JavaScript console errors: {self.errors}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"

    def close(self) -> None:
        self.context.close()


class OfflinePage(Page):
    """A page opened with every network request refused: only the file itself is read."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.own = path.as_uri()
        self.refused: list[str] = []
        super().__init__(browser, path)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.own:
            route.continue_()
            return
        self.refused.append(url)
        route.abort()


def _run_tiny(tmp_path: Path, **overrides: Any) -> Path:
    from conftest import build_tiny_project

    from coverage_gaps import run_project

    project = build_tiny_project(tmp_path / "project", **overrides)
    result = run_project(project)
    assert result.output is not None
    return result.output


def test_tiny_map_in_browser(browser: Any, tmp_path: Path) -> None:
    out = _run_tiny(tmp_path)
    page = Page(browser, out / "map.html")
    try:
        page.check_clean()
        assert page.eval("document.querySelectorAll('path.cg-commune').length") == 2
        assert page.eval("document.querySelectorAll('path.cg-village').length") == 8
        # click the first village without signal where it is drawn, and read its popup
        idx = page.eval("cgMap.D.v.k.indexOf(0)")
        expected = page.eval(f"cgMap.D.v.name[{idx}]")
        page.eval(f"cgMap.map.setView(cgMap.markers[{idx}].getLatLng(), 17, {{animate: false}})")
        page.page.wait_for_timeout(300)
        x, y = page.eval(f"""(() => {{ const p = cgMap.map.latLngToContainerPoint(
            cgMap.markers[{idx}].getLatLng()); const r = cgMap.map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }})()""")
        page.page.mouse.click(x, y)
        popup = page.page.locator(".leaflet-popup-content .cg-name")
        popup.wait_for(timeout=5000)
        assert popup.inner_text() == expected and expected.startswith("Thôn V")
        content = page.page.locator(".leaflet-popup-content").inner_text()
        assert "Xã An" in content or "Xã Bình" in content
        assert "Viettel" in content and "VNPT" in content
        # the layer control lists every carrier x technology layer
        labels = page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        text = "\n".join(labels)
        for layer in ("Viettel 4G", "Viettel 2G", "VNPT 3G"):
            assert f"Vùng phủ: {layer}" in text, text
        assert "Tuyến cáp quang" in text
        # search without diacritics
        page.page.fill(".cg-search input", "thon v7")
        assert page.page.locator(".cg-result").first.inner_text().startswith("Thôn V7")
        page.page.fill(".cg-search input", "xa binh")
        page.page.locator(".cg-result").first.click()
        page.page.wait_for_timeout(300)
        assert "Xã Bình" in page.page.locator(".leaflet-popup-content h4").inner_text()
        page.check_clean()
    finally:
        page.close()


def test_names_escaped_in_browser(browser: Any, tmp_path: Path) -> None:
    """Village and commune names are shown as text, never run."""
    import geopandas as gpd
    import pandas as pd

    evil = "<img src=x onerror=alert(1)>"
    project = tmp_path / "project"
    from conftest import build_tiny_project

    build_tiny_project(project)
    villages = pd.read_csv(project / "villages.csv")
    villages.loc[0, "name"] = evil
    villages.loc[1, "name"] = "Trại Cau <script>alert(2)</script>"
    villages.to_csv(project / "villages.csv", index=False)
    communes = gpd.read_file(project / "communes.gpkg")
    communes.loc[0, "fullName"] = "<b onmouseover=alert(3)>Xã</b>"
    communes.to_file(project / "communes.gpkg", layer="communes")
    from coverage_gaps import run_project

    out = run_project(project / "project.yml").output
    assert out is not None
    raw = (out / "map.html").read_text(encoding="utf-8")
    assert evil not in raw and "<script>alert" not in raw
    page = Page(browser, out / "map.html")
    try:
        # every popup and tooltip of the villages and communes
        page.eval("""(() => { cgMap.markers.forEach(m => { m.openTooltip(); m.openPopup(); m.closePopup(); });
            cgMap.communes.eachLayer(l => { l.openTooltip(); l.openPopup(); }); })()""")
        page.page.wait_for_timeout(200)
        page.page.fill(".cg-search input", "trai cau")
        first = page.page.locator(".cg-result").first
        assert first.inner_text().startswith("Trại Cau <script>")
        first.click()
        page.page.wait_for_timeout(300)
        assert (
            page.page.locator(".leaflet-popup-content h4")
            .inner_text()
            .startswith("Trại Cau <script>")
        )
        page.page.fill(".cg-search input", "img src")
        page.page.locator(".cg-result").first.click()
        page.page.wait_for_timeout(300)
        assert page.page.locator(".leaflet-popup-content h4").inner_text() == evil
        assert (
            page.eval("document.querySelectorAll('.leaflet-container img[src=\"x\"]').length") == 0
        )
        assert (
            page.eval("document.querySelectorAll('.leaflet-container b[onmouseover]').length") == 0
        )
        assert "<b onmouseover=alert(3)>Xã</b>" in page.page.locator("body").inner_text()
        page.check_clean()
    finally:
        page.close()


@pytest.mark.slow
def test_demo_map_in_browser_and_screenshot(browser: Any, tmp_path: Path) -> None:
    """The demo province: clusters add up to the villages; the screenshot for the README."""
    from coverage_gaps import run_project
    from coverage_gaps.synthetic import generate_province

    project = generate_province(tmp_path / "inputs", villages=2000, seed=20250701)
    result = run_project(project, output=tmp_path / "results")
    out = tmp_path / "results" / "map.html"
    size = out.stat().st_size
    assert size < 5_000_000, size
    page = Page(browser, out, viewport=(1280, 860))
    try:
        page.check_clean()
        n_communes = len(result.communes)
        assert page.eval("document.querySelectorAll('path.cg-commune').length") == n_communes
        # every village is a marker in a shown layer (clustered or not)
        shown = page.eval("""cgMap.groups.filter(g => cgMap.map.hasLayer(g))
            .reduce((n, g) => n + g.getLayers().length, 0)""")
        assert shown == len(result.villages)
        # cluster icons on screen add up to at most the villages, once the zoom animation is over
        page.page.wait_for_function(
            """n => { const c = Array.from(document.querySelectorAll('.cg-cluster span'));
                return c.length > 0 && c.reduce((s, e) => s + +e.textContent, 0) <= n; }""",
            arg=len(result.villages),
            timeout=10_000,
        )
        counts = page.eval(
            "Array.from(document.querySelectorAll('.cg-cluster span')).map(s => +s.textContent)"
        )
        assert counts and sum(counts) <= len(result.villages)
        labels = "\n".join(
            page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        )
        for spec in result.config.coverage:
            assert f"{spec.carrier} {spec.technology}" in labels
        if os.environ.get("COVERAGE_GAPS_SCREENSHOT", "1") == "1":
            shot = tmp_path / "map.png"
            page.page.screenshot(path=str(shot), type="png")
            docs = ROOT / "docs" / "map.png"
            if not docs.exists() or os.environ.get("COVERAGE_GAPS_SCREENSHOT_UPDATE") == "1":
                shutil.copyfile(shot, docs)
        page.check_clean()
    finally:
        page.close()


def test_map_opens_offline(browser: Any, tmp_path: Path) -> None:
    """Every request refused: Leaflet, the communes, the villages, the search and the layer
    control work from the file alone; the basemap is hidden and a note says why."""
    out = _run_tiny(tmp_path)
    page = OfflinePage(browser, out / "map.html")
    try:
        assert page.eval("typeof window.L === 'object' && L.version") == "1.9.3"
        assert page.eval("document.querySelectorAll('path.cg-commune').length") == 2
        assert page.eval("document.querySelectorAll('path.cg-village').length") == 8
        page.page.fill(".cg-search input", "thon v7")
        assert page.page.locator(".cg-result").first.inner_text().startswith("Thôn V7")
        page.page.fill(".cg-search input", "xa binh")
        page.page.locator(".cg-result").first.click()
        page.page.wait_for_timeout(300)
        assert "Xã Bình" in page.page.locator(".leaflet-popup-content h4").inner_text()
        page.page.hover(".leaflet-control-layers")
        labels = "\n".join(
            page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        )
        assert "Vùng phủ: Viettel 4G" in labels and "Tuyến cáp quang" in labels
        assert page.page.locator(".cg-legend").is_visible()
        note = page.page.locator(".cg-note")
        note.wait_for(timeout=5000)
        assert note.inner_text() == "không có kết nối: ẩn bản đồ nền"
        assert page.eval("cgMap.offline && cgMap.map.hasLayer(cgMap.outline)") is True
        assert (
            page.eval("getComputedStyle(document.querySelector('.leaflet-tile-pane')).display")
            == "none"
        )
        # the only requests were basemap tiles; no script failed
        assert page.refused and all(u.startswith(TILES) for u in page.refused), page.refused
        assert not [e for e in page.errors if not e.startswith("Failed to load resource")], (
            page.errors
        )
        assert not page.dialogs
    finally:
        page.close()


def test_cdn_map_in_browser(browser: Any, tmp_path: Path) -> None:
    """--map-assets cdn: the pinned CDN files load (served locally) and the map works; tiles
    load, so the basemap is shown and no offline note."""
    from coverage_gaps.outputs.maps import ASSETS, render_run_map

    out = _run_tiny(tmp_path)
    render_run_map(out, map_assets="cdn")
    page = Page(browser, out / "map.html")
    try:
        page.check_clean()
        pkg, version, _files = ASSETS["leaflet"]
        assert f"https://cdn.jsdelivr.net/npm/{pkg}@{version}/dist/leaflet.js" in page.served
        assert page.eval("L.version") == version
        assert page.eval("document.querySelectorAll('path.cg-village').length") == 8
        page.page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length > 0")
        assert page.eval("cgMap.offline") is False
        assert page.page.locator(".cg-note").count() == 0
    finally:
        page.close()


def test_planning_layers_in_browser(browser: Any, tmp_path: Path) -> None:
    """Where to build: the proposed sites numbered, the villages they cover, the clusters;
    a site id from the candidates file shows as text in its popup."""
    import pandas as pd
    from test_planning_pipeline import build_planning_project, hand_planning

    from coverage_gaps import run_project

    evil = "<img src=x onerror=alert(1)>"
    project = build_planning_project(tmp_path / "p", hand_planning())
    cands = pd.read_csv(project.parent / "candidates.csv")
    cands["site_id"] = ["A", evil, "C"]
    cands.to_csv(project.parent / "candidates.csv", index=False)
    out = run_project(project).output
    assert out is not None
    page = Page(browser, out / "map.html")
    try:
        page.check_clean()
        labels = "\n".join(
            page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        )
        for name in ("Trạm mới đề xuất", "Thôn được trạm mới phủ sóng", "Cụm thôn lõm sóng"):
            assert name in labels, labels
        numbers = page.eval(
            "Array.from(document.querySelectorAll('.cg-plan-site span')).map(s => s.textContent)"
        )
        assert sorted(numbers) == ["1", "2"]
        assert page.eval("document.querySelectorAll('path.cg-plan-village').length") == 6
        page.eval("""(() => { cgPlan.sites.eachLayer(l => { l.openPopup(); });
            cgPlan.villages.eachLayer(l => { if (l.openPopup) { l.openPopup(); } });
            cgPlan.clusters.eachLayer(l => { l.openPopup(); }); })()""")
        shown = page.eval("""cgPlan.sites.getLayers().map(l => { l.openPopup();
            const c = document.querySelector('.leaflet-popup-content');
            return c ? c.textContent : ''; })""")
        assert any(evil in text for text in shown), shown
        assert (
            page.eval("document.querySelectorAll('.leaflet-container img[src=\"x\"]').length") == 0
        )
        page.check_clean()
    finally:
        page.close()
