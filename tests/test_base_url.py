"""The event page's absolute URLs come from configuration, not from the Host header (issue 12, point 7).

antitrafficking_site/event_page.py used datasette.absolute_url(request, ...), which builds
on the request's Host header, for the URLs of the page's JSON-LD; the page is
cached (default_cache_ttl) without `Vary: Host`, so one request with a forged
Host could put another site's URLs in every visitor's copy. Now they start
with metadata.yml's `plugins: site_origin: site_url:` (read from $SITE_URL), or
are root-relative when none is set.
"""

import json
import re

import click
import pytest
from datasette.app import Datasette

from conftest import ROOT, metadata, settings

DB = "antitrafficking"
EVENT = "khujand-anti-trafficking-consultations-2011"
ORIGIN = "https://events.example.org"
FORGED = "evil.example"


def site(db, site_url=None, **setting_overrides):
    """The site as `make serve` configures it, with `site_url` in place of metadata.yml's, if given."""
    config = metadata()
    if site_url is not None:
        config["plugins"]["site_origin"] = {"site_url": site_url}
    return Datasette(immutables=[str(db)], metadata=config,
                     template_dir=str(ROOT / "templates"), settings={**settings(), **setting_overrides})


async def json_ld(ds, host=None):
    response = await ds.client.get(f"/{DB}/events/{EVENT}", headers={"host": host} if host else {})
    assert response.status_code == 200
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.text, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def urls(node):
    """Every url and @id in the JSON-LD."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("url", "@id") and isinstance(value, str):
                yield value
            else:
                yield from urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from urls(value)


def own(found):
    """The URLs of the site's own rows (not Wikidata's sameAs, not schema.org's)."""
    return [url for url in found if "wikidata.org" not in url]


@pytest.fixture(autouse=True)
def no_site_url_in_the_environment(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)


async def test_a_forged_host_does_not_change_the_json_ld(built_db):
    ds = site(built_db, ORIGIN)
    plain, forged = await json_ld(ds), await json_ld(ds, host=FORGED)
    assert forged == plain
    found = own(urls(plain))
    assert len(found) > 5  # the event, its places, its participants...
    assert all(url.startswith(f"{ORIGIN}/{DB}/") for url in found), found
    assert plain["@id"] == f"{ORIGIN}/{DB}/events/{EVENT}"


async def test_without_a_site_url_the_urls_are_root_relative_whatever_the_host(built_db):
    ds = site(built_db)  # metadata.yml as it is, SITE_URL unset
    plain, forged = await json_ld(ds), await json_ld(ds, host=FORGED)
    assert forged == plain
    assert all(url.startswith(f"/{DB}/") for url in own(urls(plain)))
    assert FORGED not in json.dumps(forged)


async def test_metadata_yml_takes_the_site_url_from_the_environment(built_db, monkeypatch):
    monkeypatch.setenv("SITE_URL", ORIGIN + "/")  # a trailing slash is the same origin
    data = await json_ld(site(built_db), host=FORGED)
    assert data["@id"] == f"{ORIGIN}/{DB}/events/{EVENT}"
    assert all(url.startswith(f"{ORIGIN}/{DB}/") for url in own(urls(data)))


async def test_the_site_url_carries_the_base_url_prefix(built_db):
    data = await json_ld(site(built_db, "http://127.0.0.1:8001", base_url="/data/"), host=FORGED)
    assert data["@id"] == f"http://127.0.0.1:8001/data/{DB}/events/{EVENT}"


@pytest.mark.parametrize("value", ["events.example.org", f"{ORIGIN}/data", "ftp://events.example.org",
                                   f"{ORIGIN}:port", f"{ORIGIN}/?a=1", "https://"])
async def test_a_site_url_that_is_not_an_origin_stops_the_server(built_db, value):
    with pytest.raises(click.ClickException, match="is not an origin"):
        await site(built_db, value).invoke_startup()


# ---- what Datasette and the other plugins build from the request (site_origin.py) ----

async def test_with_a_site_url_a_forged_host_reaches_no_absolute_url(built_db):
    ds = site(built_db, ORIGIN)
    forged = {"host": FORGED}
    feed = await ds.client.get("/antitrafficking/new_events.atom", headers=forged)
    table = await ds.client.get("/antitrafficking/events.json?_size=1", headers=forged)
    manifest = await ds.client.get("/antitrafficking/participant_names/-/reconcile", headers=forged)
    for response in (feed, table, manifest):
        assert response.status_code == 200
        assert FORGED not in response.text + str(response.headers)
    assert f"{ORIGIN}/antitrafficking/new_events.atom" in feed.text
    assert table.json()["next_url"].startswith(f"{ORIGIN}/")


async def test_without_a_site_url_every_response_varies_on_host(built_db):
    ds = site(built_db)
    for path in ("/", "/antitrafficking/events", "/antitrafficking/new_events.atom", "/sitemap.xml"):
        response = await ds.client.get(path)
        assert "host" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")], path
