"""antitrafficking_site/patches.py is the one place that patches Datasette internals.

Each patch names the internals it depends on; their source must be what the
patch was checked against (CHECKED_SOURCES), so that upgrading Datasette
fails here until someone looks at each patch again. And no other module of
the package touches an internal: it may use Datasette's documented hooks and
its public objects only.
"""

import ast
import pkgutil
from pathlib import Path

import pytest

from antitrafficking_site import patches

PACKAGE = Path(patches.__file__).parent
# What a module other than patches.py may import from Datasette: its plugin
# API (hookimpl, Response, Request), the public utilities a plugin uses
# (tilde_encode/decode; format_bytes, as Datasette's own pages show sizes) and
# the exceptions a query raises.
PUBLIC = {
    "datasette": {"hookimpl", "Response"},
    "datasette.utils": {"tilde_encode", "tilde_decode", "format_bytes"},
    "datasette.utils.asgi": {"Request"},
    "datasette.database": {"QueryInterrupted"},
    "datasette.views.base": {"DatasetteError"},
}


@pytest.mark.parametrize("patch", patches.PATCHES, ids=lambda patch: patch.target)
def test_each_patch_says_why_and_where_upstream(patch):
    assert patch.why and patch.upstream and patch.internals


@pytest.mark.parametrize("name", sorted({name for patch in patches.PATCHES for name in patch.internals}))
def test_the_patched_internals_are_as_checked(name):
    original = patches.ORIGINALS.get(name) or pkgutil.resolve_name(name)
    assert patches.source_digest(original) == patches.CHECKED_SOURCES[name], (
        f"Datasette's {name} changed: check the patch that depends on it (patches.PATCHES), "
        "then record the new digest in CHECKED_SOURCES")


def test_every_checked_source_belongs_to_a_patch():
    assert set(patches.CHECKED_SOURCES) == {name for patch in patches.PATCHES for name in patch.internals}


async def test_the_patches_are_applied_once_the_site_has_started(datasette):
    import datasette.database as database

    assert (await datasette.client.get("/-/versions.json")).status_code == 200  # starts it
    execute = database.Database.execute
    assert execute is not patches.ORIGINALS["datasette.database.Database.execute"]
    assert database.sqlite_timelimit is patches.sqlite_timelimit


def datasette_uses(tree):
    """(module, name) of every Datasette object a module imports or reaches by attribute."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("datasette"):
            found |= {(node.module, alias.name) for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {(alias.name, "*") for alias in node.names if alias.name.startswith("datasette")}
    return found


@pytest.mark.parametrize("path", sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "patches.py"))
def test_no_other_module_reaches_into_datasette(path):
    tree = ast.parse((PACKAGE / path).read_text())
    private = sorted(f"{module}.{name}" for module, name in datasette_uses(tree)
                     if name not in PUBLIC.get(module, set()))
    assert private == [], f"{path} uses Datasette internals: move the patch to patches.py, with its reason"
    assignments = [ast.unparse(target) for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AugAssign))
                   for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                   if isinstance(target, ast.Attribute) and ast.unparse(target).startswith(("datasette.", "Database.",
                                                                                               "Datasette."))]
    assert assignments == [], f"{path} assigns to Datasette's objects: {assignments}"
