"""The fixture of tests/fixtures/data/: three short fictional releases whose rows use every
construct of the data model, built with build.py and its rows asserted exactly.

The expectations are written out here, from the releases' texts, and not read back
from the fixture's CSV files: a row the build drops, duplicates or mistypes fails.
The last tests answer the dataset's four cross-source questions (issue 11, point 3)
with one SQL query each.
"""

import csv
import hashlib
import sqlite3

import pytest
from conftest import DATA, FIXTURE
from test_data import Dataset

A, B, C = "fictional-2016-03-10", "fictional-2016-04-15", "fictional-2024-02-08"
SEMINAR_1 = "seminar-on-victim-assistance-khujand-2016"
VISIT = "safe-harbour-shelter-visit-2016"
SEMINAR_2 = "seminar-on-victim-assistance-istaravshan-2016"
ROUNDTABLE = "action-plan-roundtable-dushanbe-2024"
SERIES = "seminars-on-assistance-to-victims-2016"
OFFICE = "osce-office-in-tajikistan"
COMMISSION = "interagency-commission-on-combating-human-trafficking"
GOVERNMENT = "government-of-tajikistan"
MALIKA, FARRUKH, ELENA = "malika-rahimzoda", "farrukh-nazarov", "elena-vasquez"
VICTIM = "victim-of-trafficking-who-spoke-in-khujand"
NGO, SHELTER = "safe-harbour", "safe-harbour-shelter"


@pytest.fixture(scope="module")
def db(fixture_db):
    conn = sqlite3.connect(fixture_db)
    yield conn
    conn.close()


def rows(db, sql, *params):
    return db.execute(sql, params).fetchall()


# -- the fixture itself -----------------------------------------------------------------


def test_fixture_texts_say_they_are_fictional():
    texts = sorted((FIXTURE / "sources").iterdir())
    assert [path.name for path in texts] == [f"{A}.txt", f"{B}.txt", f"{C}.txt"]
    for path in texts:
        assert path.read_text(encoding="utf-8").startswith("FICTIONAL RELEASE WRITTEN FOR THE TESTS"), path


def test_fixture_declares_no_schema_of_its_own():
    """One schema declaration: data/datapackage.json is copied beside the fixture at test time."""
    assert not (FIXTURE / "datapackage.json").exists()
    assert sorted(path.name for path in FIXTURE.glob("*.csv")) == sorted(path.name for path in DATA.glob("*.csv"))


def test_fixture_has_rows_in_every_table_of_the_package():
    """A table added to the package needs fixture rows (and expectations here)."""
    fixture = Dataset(FIXTURE)
    assert [name for name in fixture.resources if not fixture.rows(name)] == []


def test_build_loads_every_fixture_row(db):
    counts = {name: rows(db, f'select count(*) from "{name}"')[0][0] for name in Dataset(FIXTURE).resources}
    assert counts == {
        "sources": 3, "locations": 7, "participants": 9, "series": 1, "events": 4, "event_statuses": 5,
        "event_locations": 10, "event_participants": 12, "attendance": 2, "memberships": 4, "documents": 3,
        "event_documents": 3, "quotes": 1, "topics": 3, "event_topics": 4, "source_datelines": 4,
        "names": 9, "mentions": 89,
    }


def test_sources_keep_their_text_and_its_sha256(db):
    for source_id, sha256, text in rows(db, "select id, sha256, text from sources"):
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == sha256, source_id
    assert rows(db, "select id, published_date, url, url_basis from sources order by published_date") == [
        (A, "2016-03-10", None, None), (B, "2016-04-15", None, None), (C, "2024-02-08", None, None)]


# -- every construct, table by table ------------------------------------------------------------


def test_a_dateline_naming_two_places_is_two_rows(db):
    assert rows(db, "select source_id, location_id, position from source_datelines order by source_id, position") == [
        (A, "dushanbe", 1), (A, "khujand", 2), (B, "istaravshan", 1), (C, "dushanbe", 1)]


def test_locations_and_the_ngo_that_runs_the_shelter(db):
    assert set(rows(db, """select id, kind, parent_id, latitude, longitude, coordinate_precision,
                                  geonames_id, count, operator_id from locations""")) == {
        ("tajikistan", "country", None, None, None, None, 1220409, 1, None),
        ("sughd-region", "region", "tajikistan", None, None, None, None, 1, None),
        ("khujand", "city", "sughd-region", 40.28256, 69.62216, "city", 1514879, 1, None),
        ("istaravshan", "city", "sughd-region", 39.9142, 69.00328, "city", 1220253, 1, None),
        ("penjikent", "city", "sughd-region", 39.49524, 67.60931, "city", 1220798, 1, None),
        ("dushanbe", "city", "tajikistan", 38.53575, 68.77905, "city", 1221874, 1, None),
        (SHELTER, "facility", "khujand", 40.28256, 69.62216, "city", None, 1, NGO),
    }
    assert rows(db, """select locations.name, operator.name, operator.kind from locations
                       join participants as operator on operator.id = locations.operator_id""") == [
        ("Safe Harbour shelter", "Safe Harbour", "organization")]


def test_participants_include_an_anonymous_individual(db):
    assert set(rows(db, "select id, kind, parent_id, based_in_id from participants")) == {
        (OFFICE, "organization", None, "tajikistan"),
        (GOVERNMENT, "organization", None, "tajikistan"),
        (COMMISSION, "organization", GOVERNMENT, "tajikistan"),
        ("iom", "organization", None, None),
        (MALIKA, "person", OFFICE, None),
        (FARRUKH, "person", OFFICE, None),
        (ELENA, "person", OFFICE, None),
        (VICTIM, "individual", None, None),
        (NGO, "organization", None, "khujand"),
    }


def test_an_organisation_renamed_over_time(db):
    """The release of 2024 says the old name was used until 2017: it adds names rows of its
    own, with the passage; the releases of 2016 keep their mentions under the old name."""
    assert rows(db, """select source_id, name, kind, used_from_year, used_until_year, evidence from names
                       where table_name = 'participants' and row_id = ? order by name""", OFFICE) == [
        (C, "OSCE Office in Tajikistan", "former name", None, 2017,
         "The Office took its present name in 2017; until then it was the OSCE Office in Tajikistan"),
        (C, "OSCE Programme Office in Dushanbe", "name", 2017, None, "The Office took its present name in 2017"),
    ]
    assert rows(db, """select source_id, name_as_written from mentions
                       where table_name = 'participants' and row_id = ? order by source_id""", OFFICE) == [
        (A, "OSCE Office in Tajikistan"), (B, "OSCE Office in Tajikistan"), (C, "OSCE Programme Office in Dushanbe")]


def test_names_beyond_the_mentions_keep_the_datelines_capitals(db):
    """names holds only what a source says beyond its mention's name_as_written."""
    assert set(rows(db, "select row_id, source_id, name, kind from names where table_name = 'locations'")) == {
        ("khujand", A, "KHUJAND", "variant"), ("dushanbe", A, "DUSHANBE", "variant"),
        ("istaravshan", B, "ISTARAVSHAN", "variant"), ("dushanbe", C, "DUSHANBE", "variant"),
    }
    assert set(rows(db, "select row_id, source_id, name, kind from names where table_name = 'participants'")) == {
        (COMMISSION, A,
         "Inter-agency Commission on Combating Trafficking in Human Beings under Tajikistan's Presidential Apparatus",
         "variant"),
        (COMMISSION, C, "Inter-Ministerial Commission on Combating Trafficking in Human Beings", "variant"),
        ("iom", B, "IOM", "abbreviation"),
        (OFFICE, C, "OSCE Programme Office in Dushanbe", "name"),
        (OFFICE, C, "OSCE Office in Tajikistan", "former name"),
    }


def test_memberships_one_post_two_holders_one_person_two_titles_and_an_honorific(db):
    assert set(rows(db, "select id, participant_id, organization_id, title, honorific from memberships")) == {
        ("malika-rahimzoda-gender-and-anti-trafficking-officer", MALIKA, OFFICE,
         "Gender and Anti-Trafficking Officer", None),
        ("malika-rahimzoda-head-of-the-human-dimension-department", MALIKA, OFFICE,
         "Head of the Human Dimension Department", None),
        ("farrukh-nazarov-gender-and-anti-trafficking-officer", FARRUKH, OFFICE,
         "Gender and Anti-Trafficking Officer", None),
        ("elena-vasquez-head-of-office", ELENA, OFFICE, "Head of the OSCE Programme Office in Dushanbe", "Ambassador"),
    }
    # The post of 2016 held by someone else in 2024: each holder as of the sources that say so.
    assert rows(db, """select memberships.participant_id, group_concat(mentions.source_id, ' ')
                       from memberships join mentions
                         on mentions.table_name = 'memberships' and mentions.row_id = memberships.id
                       where memberships.title = 'Gender and Anti-Trafficking Officer'
                       group by memberships.participant_id order by 1""") == [
        (FARRUKH, C), (MALIKA, f"{A} {B}")]


def test_series_with_its_planned_count_and_positions(db):
    assert rows(db, "select id, planned_count from series") == [(SERIES, 7)]
    assert rows(db, "select id, series_position from events where series_id = ? order by series_position", SERIES) == [
        (SEMINAR_1, 1), (SEMINAR_2, 2)]


def test_events_and_the_event_they_are_part_of(db):
    assert set(rows(db, "select id, kind, parent_id, start_date, end_date, date_precision from events")) == {
        (SEMINAR_1, "seminar", None, "2016-03-10", "2016-03-10", "stated"),
        (VISIT, "visit", SEMINAR_1, "2016-03-10", "2016-03-10", "inferred"),
        (SEMINAR_2, "seminar", None, "2016-04-14", "2016-04-14", "stated"),
        (ROUNDTABLE, "roundtable", None, "2024-02-08", "2024-02-08", "stated"),
    }


def test_an_entity_row_revised_by_a_later_release_says_which(db):
    """An event row is the curator's reading, revised when the release of 15 April reports
    the seminar held; the revision names that release, and the mention of 10 March stays."""
    ((date_basis, description, note),) = rows(db, "select date_basis, description, note from events where id = ?",
                                              SEMINAR_2)
    assert "release of 10 March 2016" in date_basis and "release of 15 April 2016" in date_basis
    assert "27 participants" in description and "release of 15 April 2016" in note
    assert rows(db, "select evidence from mentions where table_name = 'events' and row_id = ? and source_id = ?",
                SEMINAR_2, A) == [
        ("Six more such seminars will be held in the coming three months. "
         "The next will take place in Istaravshan on 14 April 2016.",)]


def test_an_event_planned_in_one_release_and_held_in_the_next(db):
    assert rows(db, """select event_statuses.event_id, event_statuses.status, mentions.source_id
                       from event_statuses join mentions on mentions.table_name = 'event_statuses'
                         and mentions.row_id = event_statuses.event_id || '/' || event_statuses.status
                       order by mentions.source_id, event_statuses.event_id""") == [
        (VISIT, "held", A), (SEMINAR_2, "planned", A), (SEMINAR_1, "held", A),
        (SEMINAR_2, "held", B), (ROUNDTABLE, "held", C)]
    # The status that counts is the latest source's.
    assert rows(db, "select status, status_source_id from event_status_latest where event_id = ?", SEMINAR_2) == [
        ("held", B)]


def test_an_event_in_several_places(db):
    assert set(rows(db, "select event_id, location_id, role from event_locations")) == {
        (SEMINAR_1, "khujand", "venue"), (SEMINAR_1, "khujand", "origin"), (SEMINAR_1, "istaravshan", "origin"),
        (SEMINAR_1, "penjikent", "origin"), (SEMINAR_1, "sughd-region", "area"),
        (VISIT, SHELTER, "venue"),
        (SEMINAR_2, "istaravshan", "venue"), (SEMINAR_2, "istaravshan", "origin"), (SEMINAR_2, "penjikent", "origin"),
        (ROUNDTABLE, "dushanbe", "venue"),
    }


def test_roles_include_a_co_organizer_and_an_anonymous_speaker(db):
    assert set(rows(db, "select event_id, participant_id, role from event_participants")) == {
        (SEMINAR_1, OFFICE, "organizer"), (SEMINAR_1, COMMISSION, "co-organizer"),
        (SEMINAR_1, MALIKA, "opened"), (SEMINAR_1, VICTIM, "speaker"),
        (SEMINAR_2, OFFICE, "organizer"), (SEMINAR_2, COMMISSION, "participant"), (SEMINAR_2, MALIKA, "speaker"),
        (ROUNDTABLE, OFFICE, "organizer"), (ROUNDTABLE, ELENA, "opened"), (ROUNDTABLE, COMMISSION, "speaker"),
        (ROUNDTABLE, MALIKA, "speaker"), (ROUNDTABLE, FARRUKH, "speaker"),
    }


def test_a_count_with_its_breakdown_by_sex(db):
    assert set(rows(db, "select event_id, participant_id, total, men, women from attendance")) == {
        (SEMINAR_1, None, 32, 19, 13), (SEMINAR_2, None, 27, None, None)}


def test_documents_with_author_and_years_as_written(db):
    assert set(rows(db, "select id, kind, author_id, years_as_written from documents")) == {
        ("iom-study-returning-home", "study", "iom", "2015"),
        ("national-action-plan-2022-2024", "plan", GOVERNMENT, "2022–2024"),
        ("draft-national-action-plan-2025-2027", "draft plan", COMMISSION, "2025–2027"),
    }
    assert set(rows(db, "select event_id, document_id, role from event_documents")) == {
        (SEMINAR_2, "iom-study-returning-home", "presented"),
        (ROUNDTABLE, "national-action-plan-2022-2024", "discussed"),
        (ROUNDTABLE, "draft-national-action-plan-2025-2027", "presented"),
    }


def test_a_quote_and_the_topics(db):
    assert rows(db, "select id, event_id, speaker_id, text from quotes") == [
        ("rahimzoda-every-victim", SEMINAR_1, MALIKA, "Every victim we identify is a person we can help to start again")]
    assert set(rows(db, "select event_id, topic_id from event_topics")) == {
        (SEMINAR_1, "assistance-to-victims"), (SEMINAR_1, "identification-and-referral-of-victims"),
        (SEMINAR_2, "assistance-to-victims"), (ROUNDTABLE, "review-of-the-national-action-plan"),
    }


def test_rows_supported_by_more_than_one_release(db):
    """A later release that repeats a fact adds a mention of the same row."""
    assert rows(db, """select table_name, row_id, group_concat(source_id, ' ') from
                       (select * from mentions order by source_id)
                       group by table_name, row_id having count(*) > 1 order by table_name, row_id""") == [
        ("event_locations", f"{SEMINAR_2}/istaravshan/venue", f"{A} {B}"),
        ("events", SEMINAR_2, f"{A} {B}"),
        ("locations", "dushanbe", f"{A} {C}"),
        ("locations", "istaravshan", f"{A} {B}"),
        ("locations", "penjikent", f"{A} {B}"),
        ("locations", "tajikistan", f"{A} {B} {C}"),
        ("memberships", "malika-rahimzoda-gender-and-anti-trafficking-officer", f"{A} {B}"),
        ("participants", COMMISSION, f"{A} {B} {C}"),
        ("participants", MALIKA, f"{A} {B} {C}"),
        ("participants", OFFICE, f"{A} {B} {C}"),
        ("series", SERIES, f"{A} {B} {C}"),
        ("topics", "assistance-to-victims", f"{A} {B}"),
    ]


# -- the four questions of issue 11, one query each ------------------------------------------


def test_question_a_a_participants_events_with_the_title_it_held_at_each(db):
    """View participations: the title of the membership whose source is nearest the event."""
    assert rows(db, """select event_id, start_date, role, title_at_event, title_source_id from participations
                       where participant_id = ? order by start_date, role""", MALIKA) == [
        (SEMINAR_1, "2016-03-10", "opened", "Gender and Anti-Trafficking Officer", A),
        (SEMINAR_2, "2016-04-14", "speaker", "Gender and Anti-Trafficking Officer", B),
        (ROUNDTABLE, "2024-02-08", "speaker", "Head of the Human Dimension Department", C),
    ]
    assert rows(db, """select participant_id, honorific_at_event, title_at_event from participations
                       where event_id = ? and role = 'opened'""", ROUNDTABLE) == [
        (ELENA, "Ambassador", "Head of the OSCE Programme Office in Dushanbe")]


# Everything in a place or below it: the places themselves, the events held there, drawing
# participants from there or covering it, the actors based there or running a facility there,
# and the sources whose dateline names it.
IN_PLACE = """
with recursive place(id) as (
  select :place
  union all
  select locations.id from locations join place on locations.parent_id = place.id
)
select 'locations', locations.id, 'in ' || locations.parent_id
  from place join locations on locations.id = place.id
union all
select 'events', event_locations.event_id, event_locations.role || ' ' || event_locations.location_id
  from place join event_locations on event_locations.location_id = place.id
union all
select 'participants', participants.id, 'based in ' || participants.based_in_id
  from place join participants on participants.based_in_id = place.id
union all
select 'participants', locations.operator_id, 'runs ' || locations.id
  from place join locations on locations.id = place.id where locations.operator_id is not null
union all
select 'sources', source_datelines.source_id, 'dateline ' || source_datelines.location_id
  from place join source_datelines on source_datelines.location_id = place.id
order by 1, 2, 3
"""


def test_question_b_everything_in_a_place_or_below_it(db):
    assert rows(db, IN_PLACE.replace(":place", "?"), "sughd-region") == [
        ("events", VISIT, f"venue {SHELTER}"),
        ("events", SEMINAR_2, "origin istaravshan"),
        ("events", SEMINAR_2, "origin penjikent"),
        ("events", SEMINAR_2, "venue istaravshan"),
        ("events", SEMINAR_1, "area sughd-region"),
        ("events", SEMINAR_1, "origin istaravshan"),
        ("events", SEMINAR_1, "origin khujand"),
        ("events", SEMINAR_1, "origin penjikent"),
        ("events", SEMINAR_1, "venue khujand"),
        ("locations", "istaravshan", "in sughd-region"),
        ("locations", "khujand", "in sughd-region"),
        ("locations", "penjikent", "in sughd-region"),
        ("locations", SHELTER, "in khujand"),
        ("locations", "sughd-region", "in tajikistan"),
        ("participants", NGO, "based in khujand"),
        ("participants", NGO, f"runs {SHELTER}"),
        ("sources", A, "dateline khujand"),
        ("sources", B, "dateline istaravshan"),
    ]


# Every name of an entity, per source that mentions it: the name its mention's passage
# writes (mentions.name_as_written) and the names rows of that source, one row per name.
# The kind is the source's names row's, else 'name'; as_written says whether it is the
# name the mention's passage writes. Written on the base tables: the entity_mentions view
# still joins names by name alone, across sources.
NAMES_BY_SOURCE = """
with named(source_id, name) as (
  select source_id, name_as_written from mentions
  where table_name = :table and row_id = :row and name_as_written is not null
  union
  select source_id, name from names where table_name = :table and row_id = :row
)
select named.source_id, sources.published_date, named.name, coalesce(names.kind, 'name'),
       names.used_from_year, names.used_until_year, mentions.name_as_written is named.name as as_written
from named
join sources on sources.id = named.source_id
join mentions on mentions.table_name = :table and mentions.row_id = :row and mentions.source_id = named.source_id
left join names on names.table_name = :table and names.row_id = :row
  and names.source_id = named.source_id and names.name = named.name
order by sources.published_date, named.name
"""


def test_question_c_which_sources_mention_an_entity_and_under_which_names(db):
    def names_of(table, row):
        return db.execute(NAMES_BY_SOURCE, {"table": table, "row": row}).fetchall()

    assert names_of("participants", COMMISSION) == [
        (A, "2016-03-10",
         "Inter-agency Commission on Combating Trafficking in Human Beings under Tajikistan's Presidential Apparatus",
         "variant", None, None, 1),
        (B, "2016-04-15", "Interagency Commission on Combating Human Trafficking", "name", None, None, 1),
        (C, "2024-02-08", "Inter-Ministerial Commission on Combating Trafficking in Human Beings",
         "variant", None, None, 1),
    ]
    # The releases of 2016 call it by its name then; the release of 2024 adds that the name
    # was former, without changing what the old releases say.
    assert names_of("participants", OFFICE) == [
        (A, "2016-03-10", "OSCE Office in Tajikistan", "name", None, None, 1),
        (B, "2016-04-15", "OSCE Office in Tajikistan", "name", None, None, 1),
        (C, "2024-02-08", "OSCE Office in Tajikistan", "former name", None, 2017, 0),
        (C, "2024-02-08", "OSCE Programme Office in Dushanbe", "name", 2017, None, 1),
    ]
    # A names row that gives the kind of the passage's own name is one row, not two.
    assert names_of("locations", "dushanbe") == [
        (A, "2016-03-10", "DUSHANBE", "variant", None, None, 1),
        (C, "2024-02-08", "DUSHANBE", "variant", None, None, 0),
        (C, "2024-02-08", "Dushanbe", "name", None, None, 1),
    ]
    assert names_of("participants", "iom") == [
        (B, "2016-04-15", "IOM", "abbreviation", None, None, 0),
        (B, "2016-04-15", "International Organization for Migration", "name", None, None, 1),
    ]
    # An entity no passage names (the victim) has no names; a relation has none either.
    assert names_of("participants", VICTIM) == []
    assert names_of("event_participants", f"{SEMINAR_1}/{MALIKA}/opened") == []


def test_question_d_every_passage_that_supports_a_row_with_its_source(db):
    """View evidence, for an entity and for a relation (compound key joined by '/')."""
    sql = """select source_id, source_title, evidence from evidence
             where table_name = ? and row_id = ? order by published_date"""
    assert rows(db, sql, "event_locations", f"{SEMINAR_2}/istaravshan/venue") == [
        (A, "OSCE Office opens a series of seminars on assistance to victims of trafficking",
         "The next will take place in Istaravshan on 14 April 2016."),
        (B, "Second seminar on assistance to victims of trafficking held in Istaravshan",
         "was held yesterday in Istaravshan"),
    ]
    assert rows(db, sql, "series", SERIES) == [
        (A, "OSCE Office opens a series of seminars on assistance to victims of trafficking",
         "The first of a series of seminars on assistance to victims of human trafficking"),
        (B, "Second seminar on assistance to victims of trafficking held in Istaravshan",
         "The second seminar in a series on assistance to victims of human trafficking"),
        (C, "Roundtable in Dushanbe reviews the national action plan against trafficking",
         "the seven seminars on assistance to victims that the Office has held since 2016"),
    ]


def test_question_d_answers_for_every_row_of_every_sourced_table(db):
    fixture = Dataset(FIXTURE)
    unsupported = []
    for name in fixture.sourced_tables:
        row_id = " || '/' || ".join(f'"{column}"' for column in fixture.primary_key(name))
        unsupported += rows(db, f"""select ?, {row_id} from "{name}" where not exists (
            select 1 from evidence where evidence.table_name = ? and evidence.row_id = {row_id})""", name, name)
    assert unsupported == []


def test_the_fixture_csv_rows_are_the_built_rows(db):
    """Every cell of every table arrives in the database unchanged (empty cells as NULL)."""
    fixture = Dataset(FIXTURE)
    for name in fixture.resources:
        columns = [field["name"] for field in fixture.fields(name)]
        built = rows(db, f'select {", ".join(columns)} from "{name}"')
        built = sorted(tuple("" if value is None else str(value) for value in row) for row in built)
        with open(fixture.path(name), newline="", encoding="utf-8") as handle:
            expected = sorted(tuple(row) for row in list(csv.reader(handle))[1:])
        assert built == expected, name
