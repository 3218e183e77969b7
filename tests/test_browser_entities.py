"""The entity pages in a real browser (Playwright driving Debian's Chromium), at desktop and
phone widths: their content, no sideways scrolling, no console errors, and a screenshot each
(tests/screenshots/entity-<table>-<width>.png). The browser, servers and helpers are
tests/test_browser.py's."""

import re

import pytest

from test_browser import (PHONE, browser, fixture_site, horizontal_overflow, new_page, query,  # noqa: F401 (fixtures)
                          screenshot, site)

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
# One page of each type: (table, id, which server, what the page must show).
PAGES = [
    ("participants", "maria-gratschew", "real", "section#events li.participation"),
    ("participants", "osce-office-in-tajikistan", "fixture", "section#names li.name"),
    ("locations", "sughd-region", "real", "#place-map .leaflet-marker-icon"),
    ("locations", "safe-harbour-shelter", "fixture", "dd.operator a"),
    ("sources", "osce-tajikistan-2011-04-13", "real", "mark.cited a"),
    ("topics", "dialogue-process", "real", "li.event-of-it a"),
    ("documents", "draft-national-action-plan-2025-2027", "fixture", "li.event-of-it a"),
    ("series", "seminars-on-assistance-to-victims-2016", "fixture", "li.event-of-it a"),
]
LABELS = {"participants": "name", "locations": "name", "sources": "title", "topics": "name",
          "documents": "title", "series": "name"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("table, row_id, server, shows", PAGES, ids=[f"{t}-{i}" for t, i, _, _ in PAGES])
def test_an_entity_page_shows_its_content_without_scrolling_sideways(browser, site, fixture_site, built_db, fixture_db,
                                                                     viewport, table, row_id, server, shows):
    base, path = (site, built_db) if server == "real" else (fixture_site, fixture_db)
    context, page = new_page(browser, viewport)
    try:
        page.goto(f"{base}/antitrafficking/{table}/{row_id}")
        page.wait_for_load_state("load")
        [(label,)] = query(path, f"select {LABELS[table]} from {table} where id = ?", (row_id,))
        assert re.sub(r"\[\d+\]", "", page.locator("h1").inner_text()).strip() == label
        page.wait_for_selector(shows, timeout=15_000)
        assert page.locator('script[type="application/ld+json"]').count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert horizontal_overflow(page) <= 0
        assert page.errors == []
        screenshot(page, f"entity-{table}-{row_id}-{viewport['width']}.png")
    finally:
        context.close()


def test_a_mark_on_the_source_page_leads_to_the_page_of_its_row(browser, site):
    context, page = new_page(browser, DESKTOP)
    try:
        page.goto(f"{site}/antitrafficking/sources/osce-tajikistan-2011-04-13")
        mark = page.locator("mark.cited a").first
        target = mark.get_attribute("href")
        mark.click()
        page.wait_for_url("**" + target)
        assert page.locator("h1").count() == 1 and page.errors == []
    finally:
        context.close()


def test_the_place_map_shows_each_place_below_with_coordinates(browser, site, built_db):
    context, page = new_page(browser, DESKTOP)
    try:
        page.goto(f"{site}/antitrafficking/locations/sughd-region")
        page.wait_for_selector("#place-map .leaflet-marker-icon", timeout=15_000)
        [(placed,)] = query(built_db, """with recursive tree(id) as (select 'sughd-region' union all
            select locations.id from locations join tree on locations.parent_id = tree.id)
            select count(*) from locations where id in (select id from tree) and latitude is not null""")
        assert page.locator("#place-map .leaflet-marker-icon").count() == placed
        assert page.errors == []
        screenshot(page, "entity-place-map.png", "#place-map")
    finally:
        context.close()
