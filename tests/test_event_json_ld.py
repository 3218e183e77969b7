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


async def test_a_structured_data_extractor_reads_the_event_page_as_an_event(datasette, built_db):
    """extruct (a maintained structured-data extractor, offline) finds one Event with
    what search engines require: name, startDate, location with a PostalAddress."""
    import sqlite3

    import extruct

    conn = sqlite3.connect(built_db)
    [event_id] = conn.execute("select event_id from event_locations where role = 'venue' order by event_id limit 1").fetchone()
    conn.close()
    response = await datasette.client.get(f"/antitrafficking/events/{event_id}")
    assert response.status_code == 200
    [data] = extruct.extract(response.text, base_url="http://localhost/", syntaxes=["json-ld"],
                             uniform=False)["json-ld"]
    assert data["@type"] == "Event" and data["name"] and data["startDate"]
    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
    assert all(location["@type"] == "Place" and location["address"]["@type"] == "PostalAddress"
               for location in locations)
    assert data["eventAttendanceMode"].startswith("https://schema.org/")
