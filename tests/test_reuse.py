"""Cite and reuse (issue 13, point 5): the data package downloadable from the site and valid
over HTTP, a robots.txt that allows indexing, a sitemap.xml of every entity page, CITATION.cff.

* The data package is served as it is with `--static data:data` (scripts/datasette_args.py
  file_flags(), so `make serve`, the image and these tests serve it alike): Frictionless
  validates it over HTTP from a real server, and every file it serves is the one the
  database was built from (the SHA-256 digests in _build, _build_files and sources).
* robots.txt (datasette-block-robots' `literal`) allows the site and every sitemap URL,
  and keeps crawlers off query-string URLs; sitemap.xml (datasette-sitemap) lists the home
  page and the row page of every entity, each answering 200, with absolute URLs that start
  with SITE_URL when it is set, whatever the Host header.
* CITATION.cff is CFF 1.2.0 and agrees with data/datapackage.json and metadata.yml.
"""

import hashlib
import json
import re
import sqlite3
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import frictionless
import pytest
import yaml

import datasette_args
from conftest import DATA, ROOT, metadata, site_for
from local_server import serving, serving_python

PACKAGE = json.loads((DATA / "datapackage.json").read_text())
# The tables whose rows have a page of their own (the entity pages), in the sitemap.
ENTITY_TABLES = ["events", "participants", "locations", "sources", "topics", "series", "documents"]
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE_URL = "https://events.example.org"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def rows(db, sql):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# ---- 1. the data package, downloadable and valid over HTTP ------------------------------

def test_the_data_package_is_served_from_data_at_data():
    flags = datasette_args.file_flags()
    assert ("--static", "data:data") in list(zip(flags[::2], flags[1::2]))


def test_the_image_holds_the_data_package_and_a_drift_is_found():
    """tests/test_package.py's check of the image covers the static directory."""
    from test_package import missing_files, needed_files

    dockerfile, dockerignore = (ROOT / "Dockerfile").read_text(), (ROOT / ".dockerignore").read_text()
    assert "data" in needed_files()
    assert missing_files(dockerfile, dockerignore) == []
    assert missing_files(dockerfile.replace("COPY data data\n", ""), dockerignore) == ["data: not copied into the image"]
    assert missing_files(dockerfile, dockerignore + "\ndata\n") == ["data: left out of the build context by .dockerignore"]


@pytest.fixture(scope="module")
def live(built_db):
    """The real server as `make serve` runs it (its Python, its arguments), on 127.0.0.1."""
    with serving(built_db, python=serving_python()) as server:
        yield server


def test_frictionless_validates_the_data_package_over_http(live):
    url = live.url("/data/datapackage.json")
    started = live.log_path.stat().st_size
    package = frictionless.Package(url)
    # Every resource resolved against the URL, so read from the server, not from data/.
    assert sorted(resource.name for resource in package.resources) == sorted(r["name"] for r in PACKAGE["resources"])
    assert all(resource.remote and resource.normpath == live.url(f"/data/{resource.path}")
               for resource in package.resources), [resource.normpath for resource in package.resources]
    report = package.validate()
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid
    assert len(report.tasks) == len(PACKAGE["resources"])
    log = live.log_path.read_bytes()[started:].decode("utf-8", "replace")
    for resource in PACKAGE["resources"]:  # the server's access log: each file was fetched from it
        assert f'"GET /data/{resource["path"]} HTTP/1.1" 200' in log, resource["path"]


def test_the_served_files_are_the_ones_the_database_was_built_from(live, built_db):
    """datapackage.json, each CSV file and each source text, byte for byte (their SHA-256
    as the build recorded them), with a content type a browser or a client can use."""
    build = dict(rows(built_db, "select key, value from _build"))
    expected = {"datapackage.json": (build["datapackage_sha256"], "application/json")}
    expected |= {path: (digest, "text/csv") for path, digest in rows(built_db, "select path, sha256 from _build_files")}
    expected |= {path: (digest, "text/plain") for path, digest in rows(built_db, "select path, sha256 from sources")}
    assert {r["path"] for r in PACKAGE["resources"]} <= set(expected)
    for path, (digest, content_type) in expected.items():
        status, headers, body = live.get(f"/data/{path}")
        assert status == 200, path
        if path == "datapackage.json":  # the build digests its parsed JSON, keys sorted (pipeline/loader.py)
            body = json.dumps(json.loads(body), sort_keys=True).encode()
        assert sha256(body) == digest, path
        assert headers["content-type"].startswith(content_type), (path, headers["content-type"])
        assert headers["x-content-type-options"] == "nosniff", path  # the site's headers on static files too
    assert json.loads(live.get("/data/datapackage.json")[2])["version"] == build["package_version"]


@pytest.mark.parametrize("target", ["/data/../metadata.yml", "/data/%2e%2e/metadata.yml", "/data/..%2fmetadata.yml",
                                    "/data/%2e%2e%2fsettings.json", "/data/sources/../../metadata.yml"])
def test_nothing_outside_data_is_served_from_it(live, target):
    status, _ = live.raw_get(target)
    assert status in (400, 404), target


def site_links():
    """The root-relative links of the site's description (metadata.yml)."""
    return re.findall(r'href="(/[^"]*)"', metadata()["description_html"])


def test_the_site_links_the_downloads(live):
    links = site_links()
    assert "/data/datapackage.json" in links
    for link in links:
        status, _, body = live.get(link)
        assert status == 200 and body, link


# ---- 2. robots.txt and sitemap.xml ------------------------------------------------------

def robots_rules(text, agent="*"):
    """The (allow, pattern) rules of the group for `agent` (RFC 9309), and the Sitemap lines."""
    groups, sitemaps, agents, in_rules = {}, [], [], False
    for line in text.splitlines():
        key, _, value = line.split("#", 1)[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            for name in agents:
                groups.setdefault(name, [])
        elif key in ("allow", "disallow"):
            in_rules = True
            for name in agents:
                if value:  # an empty Disallow allows everything
                    groups[name].append((key == "allow", value))
        elif key == "sitemap":
            sitemaps.append(value)
    return groups.get(agent.lower()), sitemaps


def allowed(rules, path):
    """RFC 9309: the longest matching pattern decides, Allow on a tie; `*` any run, `$` the end."""
    best = (-1, True)
    for allow, pattern in rules:
        regex = "".join(".*" if c == "*" else "$" if c == "$" and i == len(pattern) - 1 else re.escape(c)
                        for i, c in enumerate(pattern))
        if re.match(regex, path):
            best = max(best, (len(pattern), allow))
    return best[1]


def test_the_robots_matcher_reads_rules_as_rfc_9309_does():
    rules, _ = robots_rules("User-agent: *\nAllow: /\nDisallow: /*?\nDisallow: /x.db$\n")
    assert allowed(rules, "/a/b") and allowed(rules, "/x.dbz")
    assert not allowed(rules, "/a?b=1") and not allowed(rules, "/x.db")
    rules, _ = robots_rules("User-agent: *\nDisallow: /\n")
    assert not allowed(rules, "/antitrafficking/events/x")


@pytest.fixture(scope="module")
def site(built_db):
    return site_for(built_db)


async def test_robots_txt_allows_indexing(site):
    response = await site.client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    rules, sitemaps = robots_rules(response.text)
    assert rules is not None, response.text  # a group for every crawler
    assert ("/" not in {pattern for allow, pattern in rules if not allow}), response.text  # not the plugin's default
    for path in ["/", "/antitrafficking", "/antitrafficking/events", "/data/datapackage.json", "/data/events.csv"]:
        assert allowed(rules, path), path
    # Kept out: query strings (facets, sorts, visitors' SQL) and the whole-database download.
    for path in ["/antitrafficking/events?_facet=kind", "/antitrafficking?sql=select+1", "/antitrafficking.db"]:
        assert not allowed(rules, path), path
    assert [urlsplit(url).path for url in sitemaps] == ["/sitemap.xml"]


async def sitemap_urls(site, **request):
    response = await site.client.get("/sitemap.xml", **request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP_NS}urlset"
    urls = [url.findtext(f"{SITEMAP_NS}loc") for url in root.findall(f"{SITEMAP_NS}url")]
    assert len(urls) == len(set(urls)) and len(urls) <= 50000  # the protocol's limit per file
    return urls


async def test_the_sitemap_lists_the_home_page_and_every_entity_page(site, built_db):
    from datasette.utils import tilde_encode

    urls = await sitemap_urls(site)
    assert all(urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc for url in urls), urls[:3]
    expected = {"/"} | {f"/antitrafficking/{table}/{tilde_encode(row_id)}"
                        for table in ENTITY_TABLES for (row_id,) in rows(built_db, f"select id from {table}")}
    assert {urlsplit(url).path for url in urls} == expected
    assert any(path.startswith("/antitrafficking/events/") for path in expected)


async def test_every_sitemap_url_answers_and_robots_txt_allows_it(site):
    rules, _ = robots_rules((await site.client.get("/robots.txt")).text)
    for url in await sitemap_urls(site):
        path = urlsplit(url).path
        assert (await site.client.get(path)).status_code == 200, path
        assert allowed(rules, path), path


async def test_with_site_url_the_sitemap_is_absolute_on_it_whatever_the_host(built_db, monkeypatch):
    monkeypatch.setenv("SITE_URL", SITE_URL)
    site = site_for(built_db)
    urls = await sitemap_urls(site, headers={"host": "forged.example"})
    assert urls and all(url.startswith(SITE_URL + "/") and "//" not in url.removeprefix("https://") for url in urls)
    _, sitemaps = robots_rules((await site.client.get("/robots.txt", headers={"host": "forged.example"})).text)
    assert sitemaps == [f"{SITE_URL}/sitemap.xml"]


async def test_without_site_url_the_sitemap_takes_the_host_header(built_db, monkeypatch):
    """The documented limitation (metadata.yml, README): datasette-sitemap then builds its
    absolute URLs with Datasette's absolute_url, from the request's Host."""
    monkeypatch.delenv("SITE_URL", raising=False)
    site = site_for(built_db)
    urls = await sitemap_urls(site, headers={"host": "forged.example"})
    assert all(urlsplit(url).netloc == "forged.example" for url in urls)
    # ... so no cache may hand them to another Host (antitrafficking_site/site_origin.py)
    for path in ("/sitemap.xml", "/robots.txt"):
        response = await site.client.get(path, headers={"host": "forged.example"})
        assert "host" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")], path


async def test_with_site_url_nothing_varies_on_host(built_db, monkeypatch):
    monkeypatch.setenv("SITE_URL", SITE_URL)
    response = await site_for(built_db).client.get("/sitemap.xml")
    assert "host" not in response.headers.get("vary", "").lower()


# ---- 3. CITATION.cff ---------------------------------------------------------------------

CFF_KEYS = {  # the top-level keys of CFF 1.2.0
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
    "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
    "repository-artifact", "repository-code", "title", "type", "url", "version"}
CFF_REQUIRED = {"cff-version", "message", "title", "authors"}


@pytest.fixture(scope="module")
def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_cff_is_cff_1_2_0(citation):
    assert citation["cff-version"] == "1.2.0"
    assert CFF_REQUIRED <= set(citation) <= CFF_KEYS, set(citation) - CFF_KEYS
    assert isinstance(citation["message"], str) and citation["message"].strip()
    assert isinstance(citation["title"], str) and citation["title"].strip()
    assert citation.get("type", "software") in ("dataset", "software")
    assert citation["authors"] and all(
        isinstance(author, dict) and (author.get("name") or author.get("family-names")) for author in citation["authors"])
    if "date-released" in citation:  # YAML reads an ISO date as a date
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(citation["date-released"]))
    assert all(isinstance(word, str) for word in citation.get("keywords", []))


def test_citation_agrees_with_the_data_package_and_the_site(citation):
    site = metadata()
    assert isinstance(citation["version"], str) and citation["version"] == PACKAGE["version"]
    assert citation["title"] == PACKAGE["title"] == site["title"]
    [licence] = PACKAGE["licenses"]
    assert citation["license"] == licence["name"] == "CC-BY-4.0"  # an SPDX id, as CFF wants
    assert licence["path"] == site["license_url"] and site["license"].startswith("CC BY 4.0")
    assert [author["name"] for author in citation["authors"]] == [
        contributor["title"] for contributor in PACKAGE["contributors"] if contributor.get("role") == "author"]
    assert citation.get("keywords", PACKAGE["keywords"]) == PACKAGE["keywords"]
