"""OpenRefine reconciliation of actors and places, served by datasette-reconcile.

datasette-reconcile (0.6.3) serves `/<db>/<table>/-/reconcile` for a table
whose plugin config it finds, and that lookup falls back from the table to
the whole site: configured under metadata.yml's top-level `plugins:`, every
table of the site would answer, most with a 500 (their columns are not the
configured ones). So the services are declared in metadata.yml under
`plugins: reconcile:` ({table: datasette-reconcile config}) and this hook
hands each one to its own table only, as table-level metadata.

Each service's table is a view of every name an entity is known by (its own,
`names`, and the names the passages write, `mentions.name_as_written`):
datasette-reconcile matches one column of one table. A `view_url` given as a
path is made absolute with the site's configured origin (plugins: site_origin:
site_url), as the event page's links are; OpenRefine shows it as a link.
"""

import contextvars
import copy
import weakref

from datasette import hookimpl

from .site_origin import site_url

PLUGIN = "datasette-reconcile"
CONFIG = "reconcile"
# The config is read through Datasette's metadata, which calls this hook
# again: inside, the hook answers nothing.
_reading = contextvars.ContextVar("reading_reconcile_config", default=False)
_services = weakref.WeakKeyDictionary()  # Datasette -> {table: config}, read once


@hookimpl
def get_metadata(datasette, key, database, table):
    if key not in (None, "plugins") or database is None or _reading.get():
        return {}
    services = configured_services(datasette)
    if not services:
        return {}
    token = _reading.set(True)
    try:
        site_plugins = datasette.metadata("plugins") or {}
    finally:
        _reading.reset(token)
    # A table's own `plugins` replaces the site's in Datasette's lookup: keep
    # the site's other plugins' settings beside the service's.
    tables = {name: {"plugins": {**site_plugins, PLUGIN: copy.deepcopy(config)}} for name, config in services.items()}
    return {"databases": {database: {"tables": tables}}}


def configured_services(datasette):
    if datasette not in _services:
        token = _reading.set(True)
        try:
            configured = datasette.plugin_config(CONFIG) or {}
            origin = site_url(datasette)
        finally:
            _reading.reset(token)
        services = {}
        for table, config in configured.items():
            config = dict(config)
            if str(config.get("view_url", "")).startswith("/"):
                config["view_url"] = origin + datasette.urls.path(config["view_url"])
            services[table] = config
        _services[datasette] = services
    return _services[datasette]
