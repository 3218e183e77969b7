"""The site in a real browser: Playwright driving Debian's Chromium (no browser download)."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from local_server import free_port, running, serve_command

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
EVENT = "/antitrafficking/events/khujand-anti-trafficking-consultations-2011"
# Without these, Chromium tries to reach Google's services from a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(built_db):
    port = free_port()
    with running(serve_command(built_db, port), port) as server:
        yield server.base


@pytest.fixture(scope="module")
def browser():
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "install Debian's chromium package (see .ci/run)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def screenshot(page, name, selector=None):
    SCREENSHOTS.mkdir(exist_ok=True)
    if selector:
        page.locator(selector).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def map_marker_total(page):
    """Places on a Leaflet map: single markers count 1, clusters count their number."""
    total = 0
    for icon in page.locator(".leaflet-marker-icon").all():
        classes = icon.get_attribute("class") or ""
        total += int(icon.inner_text()) if "marker-cluster" in classes else 1
    return total


def test_home_page_search_finds_a_word(site, page):
    page.goto(site + "/")
    screenshot(page, "home.png")
    page.fill('input[name="q"]', "shelters")
    page.press('input[name="q"]', "Enter")
    page.wait_for_url("**/-/search?q=shelters")
    page.wait_for_selector("text=Visit to two shelters in Khujand", timeout=15_000)


def test_event_page_shows_participants_and_map(site, page):
    page.goto(site + EVENT)
    assert page.locator("h1").inner_text() == "Regional anti-trafficking consultations in northern Tajikistan"
    participants = page.locator("li.participant")
    assert participants.count() == 5
    assert "OSCE Office in Tajikistan" in participants.first.inner_text()
    page.wait_for_selector("#event-map .leaflet-marker-icon", timeout=15_000)
    assert page.locator("#event-map .leaflet-marker-icon").count() == 3  # the event and its two sub-events
    assert page.locator(".source-text mark").count() >= 4
    screenshot(page, "event.png")


def test_locations_map_shows_every_place_with_coordinates(site, page):
    page.goto(site + "/antitrafficking/locations")
    page.wait_for_selector(".leaflet-marker-icon", timeout=15_000)
    page.wait_for_timeout(500)  # let the cluster layer settle
    assert map_marker_total(page) == 4  # Khujand, Istaravshan, Penjikent, the shelters
    screenshot(page, "map.png", ".leaflet-container")


@pytest.mark.parametrize(
    "path",
    [
        "/antitrafficking?sql=select+'<script>alert(1)</script>'+as+x,+'<img+src=x+onerror=alert(2)>'+as+y",
        "/antitrafficking?sql=select+'javascript:alert(3)'+as+url",
        "/antitrafficking?sql=select+<script>alert(4)</script>",
        "/antitrafficking/participants?_search=<script>alert(5)</script>",
    ],
)
def test_hostile_input_opens_no_dialog(site, page, path):
    page.goto(site + path)
    page.wait_for_load_state("load")
    for link in page.locator("a[href^='javascript:']").all():
        pytest.fail(f"javascript: link rendered: {link.get_attribute('href')}")
    assert page.dialogs == []
