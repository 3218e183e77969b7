"""The site in a real browser: Playwright driving Debian's Chromium (no browser download)."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from local_server import free_port, running, serve_command

from conftest import query_values as query

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
EVENT_ID = "khujand-anti-trafficking-consultations-2011"
EVENT = f"/antitrafficking/events/{EVENT_ID}"
# Several sources, a planned-then-held status, a series: the fictional fixture's.
FIXTURE_EVENT = "/antitrafficking/events/seminar-on-victim-assistance-istaravshan-2016"
PHONE = {"width": 390, "height": 844}
# Without these, Chromium tries to reach Google's services from a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def serve(path):
    port = free_port()
    return running(serve_command(path, port), port)


@pytest.fixture(scope="module")
def site(built_db):
    with serve(built_db) as server:
        yield server.base


@pytest.fixture(scope="module")
def fixture_site(fixture_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-fixture") / "antitrafficking.db"  # the name metadata.yml configures
    shutil.copyfile(fixture_db, path)
    with serve(path) as server:
        yield server.base


@pytest.fixture(scope="module")
def browser():
    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "install Debian's chromium package (see .ci/run)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    # Map tiles come from OpenStreetMap, which a closed network cannot reach: those
    # failures are the network's; any other console error is the page's.
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource: net::") and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


@pytest.fixture
def page(browser):
    context, page = new_page(browser, {"width": 1200, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = new_page(browser, PHONE)
    yield page
    context.close()


def horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


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
    page.wait_for_url("**/antitrafficking/search?q=shelters")  # the search query: ranked, with snippets
    page.wait_for_selector("text=Visit to two shelters in Khujand", timeout=15_000)


def tree(path, event_id):
    return [row[0] for row in query(path, """with recursive t(id) as (select ? union all
        select events.id from events join t on events.parent_id = t.id) select id from t""", (event_id,))]


def test_event_page_shows_participants_and_map(site, page, built_db):
    page.goto(site + EVENT)
    [(name,)] = query(built_db, "select name from events where id = ?", (EVENT_ID,))
    assert page.locator("h1").inner_text().startswith(name)
    events = tree(built_db, EVENT_ID)
    marks = ", ".join("?" for _ in events)
    took_part = query(built_db, f"select distinct role, participant_id from event_participants where event_id in ({marks})",
                      events)
    participants = page.locator("li.participant")
    assert participants.count() == len(took_part)
    [(organizer,)] = query(built_db, "select participants.name from event_participants join participants "
                                     "on participants.id = participant_id where event_id = ? and role = 'organizer'",
                           (EVENT_ID,))
    assert organizer in participants.first.inner_text()
    # One marker per venue with coordinates, of the event and of each of its sub-events.
    [(venues,)] = query(built_db, "select count(*) from events_on_map where event_id = ? or event_id in "
                                  "(select id from events where parent_id = ?)", (EVENT_ID, EVENT_ID))
    page.wait_for_selector("#event-map .leaflet-marker-icon", timeout=15_000)
    assert page.locator("#event-map .leaflet-marker-icon").count() == venues >= 1
    assert page.locator(".source-text mark").count() >= 4
    assert page.errors == []
    screenshot(page, "event.png")


def test_a_citation_leads_to_its_source_with_the_passage_marked(fixture_site, page):
    page.goto(fixture_site + FIXTURE_EVENT)
    sources = page.locator("article.source")
    assert sources.count() >= 2
    status = page.locator("dd.status")
    assert "held" in status.inner_text() and "earlier: planned" in status.inner_text()
    citation = status.locator("a.cite").first
    target = citation.get_attribute("href")
    citation.click()
    page.wait_for_url("**" + target)
    article = page.locator(f"article{target}")
    assert article.evaluate("element => getComputedStyle(element).backgroundColor") != "rgba(0, 0, 0, 0)"  # :target
    assert article.locator("mark").count() >= 1
    assert page.errors == []
    screenshot(page, "event-sources.png", target)


@pytest.mark.parametrize("path", [EVENT, FIXTURE_EVENT, "/antitrafficking/events/seminar-on-victim-assistance-khujand-2016"])
def test_the_event_page_does_not_scroll_sideways_on_a_phone(site, fixture_site, phone, path):
    phone.goto((site if path == EVENT else fixture_site) + path)
    phone.wait_for_load_state("load")
    assert horizontal_overflow(phone) <= 0
    assert phone.errors == []


def test_locations_map_shows_every_place_with_coordinates(site, page, built_db):
    page.goto(site + "/antitrafficking/locations")
    page.wait_for_selector(".leaflet-marker-icon", timeout=15_000)
    page.wait_for_timeout(500)  # let the cluster layer settle
    [(placed,)] = query(built_db, "select count(*) from locations where latitude is not null and longitude is not null")
    assert map_marker_total(page) == placed
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


# The pages no other browser test opens: each fits a phone's width, without console errors.
OTHER_PAGES = {
    "about": ("/about", "About this dataset"),
    "changes": ("/changes", "2.0.0"),
    "events map": ("/antitrafficking/events_on_map", "Events on the map"),
    "an error page": ("/antitrafficking/no_such_table", "not found"),
}


@pytest.mark.parametrize("name", sorted(OTHER_PAGES))
def test_every_other_page_fits_a_phone(site, phone, name):
    path, text = OTHER_PAGES[name]
    phone.goto(site + path)
    phone.wait_for_load_state("load")
    assert text.lower() in phone.content().lower()
    assert horizontal_overflow(phone) <= 0
    assert [error for error in phone.errors if "404" not in error] == []
