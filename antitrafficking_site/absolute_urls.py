"""site_url(path): a page's absolute URL, for SQL (the Atom feed's links and ids).

A canned query cannot read plugin config, and an absolute URL must not come
from the request's Host header (anyone can send any), so every connection
gets this SQL function: the configured origin (plugins: site_origin:
site_url, from $SITE_URL) followed by the path with Datasette's base_url
prefix. With no site_url configured the URL stays root-relative, as the
event page's JSON-LD does.
"""

from datasette import hookimpl

from .site_origin import site_url


@hookimpl
def prepare_connection(conn, database, datasette):
    origin = site_url(datasette)  # checked at startup (event_page.startup)

    def absolute(path):
        if not isinstance(path, str) or not path.startswith("/"):
            return None  # only the site's own paths
        return origin + datasette.urls.path(path)

    conn.create_function("site_url", 1, absolute, deterministic=True)
