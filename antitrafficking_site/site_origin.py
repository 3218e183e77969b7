"""The site's public origin, from configuration, never from the Host header.

Every absolute URL the site writes starts with the configured origin:

    plugins:
      site_origin:
        site_url: https://events.example.org     # metadata.yml reads it from $SITE_URL

A page is cached for default_cache_ttl, so a proxy's cache would hand a
forged Host's URLs to everyone. The site's own code (JSON-LD, the cite block,
the Atom feed's links) reads site_url(). Datasette and the other plugins
build absolute URLs from the request (the Link header, next_url, the Atom
feed's id, the sitemap, the reconciliation manifest), so asgi_wrapper below
hands every request on with the configured host and scheme. Without a
site_url, the site's own URLs are root-relative (JSON-LD resolves them
against the page's URL) and every response says `Vary: Host`, so that no
cache hands one host's URLs to another.
"""

import weakref
from urllib.parse import urlencode, urlsplit

import click
from datasette import hookimpl
from datasette.utils import tilde_encode


_origins = weakref.WeakKeyDictionary()  # Datasette -> its checked origin (the metadata is fixed while serving)


def site_url(datasette):
    """The configured public origin without a trailing slash ("" when none is set);
    raises ClickException for one that is not scheme://host[:port]."""
    if datasette not in _origins:
        _origins[datasette] = _checked_origin(datasette)
    return _origins[datasette]


def _checked_origin(datasette):
    value = (datasette.plugin_config("site_origin") or {}).get("site_url")
    if value in (None, ""):
        return ""
    try:
        parts = urlsplit(str(value))
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if not (parts and parts.scheme in ("http", "https") and parts.hostname and parts.path in ("", "/")
            and not (parts.query or parts.fragment or parts.username or parts.password)):
        raise click.ClickException(
            f"metadata plugins: site_origin: site_url: {value!r} is not an origin (expected scheme://host[:port], "
            "e.g. https://events.example.org; a path prefix belongs in Datasette's base_url setting)")
    return f"{parts.scheme}://{parts.netloc}"


@hookimpl
def startup(datasette):
    site_url(datasette)  # a malformed site_url stops the server before it serves a page


class Links:
    """Row-page URLs, so the template links every participant, place and topic."""

    def __init__(self, datasette, database):
        self.datasette, self.database = datasette, database
        # The configured origin, not datasette.absolute_url(request, ...): that
        # takes the request's Host header. urls.table() adds base_url's prefix.
        self.origin = site_url(datasette)
        # Built once per page and per table, not per link (a page can have a
        # hundred): urls.table() resolves the database each call.
        self.table_paths = {}

    def row(self, table, key):
        return f"{self.table(table)}/{tilde_encode(key)}"

    def table(self, table, **filters):
        """A table's page, filtered by `filters` (column=value): where a bounded list's rest is browsed."""
        if table not in self.table_paths:
            self.table_paths[table] = self.datasette.urls.table(self.database, table)
        return self.table_paths[table] + (f"?{urlencode(filters)}" if filters else "")

    def query(self, name, **params):
        """A canned query's page with its parameters."""
        return self.datasette.urls.query(self.database, name) + (f"?{urlencode(params)}" if params else "")

    def absolute_row(self, table, row_id):
        return self.origin + self.row(table, row_id)


@hookimpl(trylast=True)  # outermost: Datasette and every other wrapper see the configured host
def asgi_wrapper(datasette):
    def wrap(app):
        async def from_configured_origin(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            origin = site_url(datasette)
            if origin:
                parts = urlsplit(origin)
                headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
                scope = dict(scope, scheme=parts.scheme, headers=[(b"host", parts.netloc.encode("latin-1")), *headers])
                return await app(scope, receive, send)
            return await app(scope, receive, _varying_on_host(send))
        return from_configured_origin
    return wrap


def _varying_on_host(send):
    async def send_with_vary(message):
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
            varies = [v for k, v in message.get("headers", []) if k.lower() == b"vary"]
            message = dict(message, headers=headers + [(b"vary", b", ".join(varies + [b"Host"]))])
        await send(message)
    return send_with_vary
