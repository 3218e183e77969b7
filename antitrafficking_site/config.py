"""Each plugin's settings: its defaults, updated from metadata.yml's `plugins: NAME:`."""

import weakref

import click

_checked = weakref.WeakKeyDictionary()  # Datasette -> {name: settings}, read once per Datasette


def plugin_settings(datasette, name, defaults, check=None):
    """`defaults` updated from metadata.yml's `plugins: name:`. An unknown key
    stops the server with a message; `check(config, datasette)`, if given,
    may complete the settings or raise click.ClickException."""
    known = _checked.setdefault(datasette, {})
    if name not in known:
        configured = datasette.plugin_config(name) or {}
        unknown = set(configured) - set(defaults)
        if unknown:
            raise click.ClickException(
                f"metadata plugins: {name}: unknown setting(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(defaults))})")
        config = {**defaults, **configured}
        if check is not None:
            check(config, datasette)
        known[name] = config
    return known[name]
