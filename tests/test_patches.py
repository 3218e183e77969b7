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
# Names the package gives Datasette's objects (a Database, the Datasette).
DATASETTE_OBJECTS = {"db", "ds", "datasette", "Database", "Datasette"}
# The patch implementations patches.py installs keep their state on the objects they patch.
PATCH_IMPLEMENTATIONS = {"facet_cache.py", "schema_cache.py"}
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


@pytest.mark.parametrize("path", sorted(p.name for p in PACKAGE.glob("*.py")
                                        if p.name != "patches.py" and p.name not in PATCH_IMPLEMENTATIONS))
def test_no_other_module_changes_datasettes_objects(path):
    tree = ast.parse((PACKAGE / path).read_text())
    assert datasette_objects_changed(tree) == [], f"{path} changes Datasette's objects: move it to patches.py"




def datasette_objects_changed(tree):
    """Attributes set on Datasette's objects: `db.x = ...`, `datasette.database.X = ...`, setattr(db, ...)."""
    changed = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and ast.unparse(target).split(".")[0] in DATASETTE_OBJECTS:
                changed.append(ast.unparse(target))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                and node.args and ast.unparse(node.args[0]).split(".")[0] in DATASETTE_OBJECTS):
            changed.append(ast.unparse(node))
    return changed


def test_the_check_sees_an_attribute_set_on_a_database():
    assert datasette_objects_changed(ast.parse("db._kept = {}\nsetattr(ds, 'x', 1)")) == ["db._kept", "setattr(ds, 'x', 1)"]
