"""What every page's "cite this" block says (templates/_footer.html shows it).

The title and the licence come from metadata.yml; the version from the
database's `_build` table (package_version, the data package's version);
the SHA-256 is that of the database file served, so a reader can check a
download against the page they cite. The date is the release's: that of
the release manifest (releases/<version>.json, `make release`) whose version
and database digest are those of the database served. The build itself
records no date (the same inputs give the same bytes), so a database no
release describes gets none rather than a guess such as the file's
modification time.

The page's URL starts with the configured public origin (metadata.yml's
`plugins: site_origin: site_url`, as the event page's JSON-LD), never with
the request's Host header: pages are cached, and a forged Host would put
another site's address in everyone's copy. Without one it is root-relative.

The digest is computed once per immutable database at startup, before the
server answers its first page (off the event loop: reading the 470 MB
benchmark database takes about a second, as startup_check's quick_check
does), so no page, cached for minutes, goes out without it. Datasette's own
db.hash would trust an --inspect-file's recorded hash, which can be stale;
this reads the file the server serves.
"""

import asyncio
import hashlib
import weakref

from datasette import hookimpl

from .changes_page import releases
from .site_origin import site_url

VERSION_SQL = "select value from _build where key = 'package_version'"
HAS_BUILD_SQL = "select 1 from sqlite_master where type = 'table' and name = '_build'"

# Datasette -> {database name: the file's SHA-256}
_digests = weakref.WeakKeyDictionary()
# Datasette -> {database name: {key: value}} of each immutable database's _build
_builds = weakref.WeakKeyDictionary()


def file_sha256(path, chunk_bytes=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def citable(db):
    return not db.is_mutable and not db.is_memory and bool(db.path)


@hookimpl
def startup(datasette):
    async def compute_digests():
        loop = asyncio.get_running_loop()
        digests = _digests.setdefault(datasette, {})
        for db in list(datasette.databases.values()):
            if citable(db) and db.name not in digests:
                digests[db.name] = await loop.run_in_executor(None, file_sha256, db.path)
    return compute_digests


async def build_info(datasette, db):
    builds = _builds.setdefault(datasette, {})
    if db.name not in builds:
        has_build = (await db.execute(HAS_BUILD_SQL)).rows
        version = (await db.execute(VERSION_SQL)).rows if has_build else []
        builds[db.name] = {"package_version": version[0][0] if version else None}
    return builds[db.name]


def cited_database(datasette, database):
    """The page's database, or on a page of none (the home page, /about) the first one that can be cited."""
    if database in datasette.databases and citable(datasette.databases[database]):
        return datasette.databases[database]
    return next((db for db in datasette.databases.values() if citable(db)), None)


@hookimpl
def extra_template_vars(datasette, database, request):
    async def cite_vars():
        db = cited_database(datasette, database)
        build = await build_info(datasette, db) if db else {}
        path = request.full_path if request is not None else "/"
        sha256 = _digests.get(datasette, {}).get(db.name) if db else None
        return {"cite": {
            "title": datasette.metadata("title"),
            "version": build.get("package_version"),
            "database": db.name if db else None,
            "sha256": sha256,
            "date": release_date(datasette, build.get("package_version"), sha256),
            "url": site_url(datasette) + path,
            "license": datasette.metadata("license"),
            "license_url": datasette.metadata("license_url"),
        }}

    return cite_vars


def release_date(datasette, version, sha256):
    """The date of the release of this version and this very database, or None."""
    return next((release["date"] for release in releases(datasette)
                 if release["version"] == version and release["database_sha256"] == sha256), None)
