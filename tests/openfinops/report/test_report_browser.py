"""The offline report in a real browser (Debian's chromium, driven by Playwright): every dashboard draws
every chart, logs no console error, asks the network for nothing, and its screenshot is not blank; a
filter redraws the cards with the filtered numbers; on a phone's width the cards stack."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from openfinops.dashboards.cards_sql import card_sql
from openfinops.dashboards.definitions import load_dashboards
from openfinops.focus.publish import READ_DATABASE

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run installs chromium and sets this: there, a missing browser fails instead of skipping.
if not CHROMIUM and not os.environ.get("OPEN_FINOPS_REQUIRE_BROWSER"):
    pytest.skip("no chromium on this machine (Debian: apt-get install chromium)", allow_module_level=True)

DASHBOARDS = load_dashboards()
CHARTS = ("line", "area", "bar", "stacked_bar")
# As the workplace's browser probe: no background connections to Google's hosts from a closed network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def report(demo_data_dir) -> Path:
    """The report the `aws-cur` flow wrote after its FOCUS build."""
    return demo_data_dir / "reports" / "dashboards.html"


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium is required here (OPEN_FINOPS_REQUIRE_BROWSER is set)"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class Page:
    """A browser tab on the report that records console errors and every request it makes."""

    def __init__(self, browser, report: Path, width: int):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = report.as_uri()

    def show(self, dashboard: str, filtered: str = "") -> None:
        self.page.goto(f"{self.url}#{dashboard}")
        self.wait(dashboard, filtered)

    def wait(self, dashboard: str, filtered: str = "") -> None:
        self.page.wait_for_function(f"document.body.dataset.drawn === {f'{dashboard}:{filtered}'!r}")


def not_blank(png: bytes) -> bool:
    """More than a background: many colours, and a good part of the pixels away from the page's colour."""
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 200))
    colours = image.getcolors(maxcolors=40_000) or []
    background = max(colours)[1]
    drawn = sum(n for n, c in colours if sum(abs(a - b) for a, b in zip(c, background)) > 60)
    return len(colours) > 50 and drawn > 0.02 * 200 * 200


@pytest.mark.parametrize("width", [1400, 390], ids=["desktop", "phone"])
def test_every_dashboard_draws_offline_without_errors(browser, report, width, tmp_path):
    tab = Page(browser, report, width)
    for dashboard in DASHBOARDS:
        tab.show(dashboard.name)
        section = tab.page.locator(f"section#{dashboard.name}")
        for card in dashboard.cards:
            node = section.locator(f'.card[data-card="{card.id}"]')
            if card.display in CHARTS:
                assert node.locator(".main-svg").count() >= 1, f"{dashboard.name}/{card.id}: no chart"
                assert node.locator("g.trace").count() >= 1, f"{dashboard.name}/{card.id}: no data drawn"
            elif card.display == "number":
                assert node.locator(".number").inner_text().strip() not in ("", "–"), card.id
            else:
                assert node.locator("tbody tr").count() >= 1, f"{dashboard.name}/{card.id}: empty table"
        png = tab.page.screenshot(full_page=True, path=tmp_path / f"{dashboard.name}-{width}.png")
        assert not_blank(png), dashboard.name
        if width < 700:  # a phone: one column, no card wider than the screen
            boxes = [section.locator(f'.card[data-card="{c.id}"]').bounding_box() for c in dashboard.cards]
            assert all(b["width"] <= width for b in boxes)
            assert len({round(b["x"]) for b in boxes}) == 1

    assert tab.errors == []
    assert set(tab.requests) == {tab.url}  # the file itself, and nothing else


def test_a_filter_redraws_the_cards_with_the_filtered_numbers(browser, report, demo_data_dir):
    dashboard = next(d for d in DASHBOARDS if d.name == "executive-summary")
    card = next(c for c in dashboard.cards if c.id == "billed-mtd")
    with duckdb.connect(str(demo_data_dir / "published" / READ_DATABASE), read_only=True) as con:
        [(everything,)] = con.execute(card_sql(card, dashboard)).fetchall()
        [(compute,)] = con.execute(card_sql(card, dashboard, {"service_category": ["Compute"]})).fetchall()
    assert compute != everything
    tab = Page(browser, report, 1400)
    tab.show(dashboard.name)
    number = tab.page.locator('section#executive-summary .card[data-card="billed-mtd"] .number')
    assert number.inner_text() == f"{everything:,.2f}"

    tab.page.select_option("section#executive-summary select[name=service_category]", label="Compute")
    tab.wait(dashboard.name, "service_category=Compute")
    assert number.inner_text() == f"{compute:,.2f}"

    # Another filter replaces the first: one at a time.
    tab.page.select_option("section#executive-summary select[name=provider]", label="AWS")
    tab.wait(dashboard.name, "provider=AWS")
    assert tab.page.input_value("section#executive-summary select[name=service_category]") == ""
    assert number.inner_text() == f"{everything:,.2f}"
    assert tab.errors == []
