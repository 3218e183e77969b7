"""The event page's schema.org mappings cover the values data/datapackage.json allows.

event_json_ld.py maps statuses, roles and document kinds to schema.org; a
value the package adds later must be decided there (a test failing here), not
fall through silently.
"""

from pathlib import Path

from antitrafficking_site import event_json_ld
from pipeline.schema import load_package

PACKAGE = load_package(Path(__file__).resolve().parent.parent / "data")


def allowed(table, column):
    return set(PACKAGE.table(table).field(column).constraints["enum"])


def test_every_event_status_has_a_decision():
    assert set(event_json_ld.EVENT_STATUS) == allowed("event_statuses", "status")


def test_every_role_has_a_decision():
    assert set(event_json_ld.ROLE_PROPERTY) == allowed("event_participants", "role")


def test_every_document_kind_has_a_type():
    assert set(event_json_ld.DOCUMENT_TYPES) == allowed("documents", "kind")
