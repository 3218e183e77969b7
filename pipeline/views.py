"""Views that answer the dataset's cross-source questions in one query each.

VIEWS: {name: {"title", "description", "sql"[, "describes"]}}, created by loader.create_views
and described in the data dictionary (_tables, _columns).
VIEW_COLUMN_DESCRIPTIONS: {column: description} for the view columns that are
not columns of a table (the loader describes the others from the data package
by their name, so a view column keeps a table column's name only where that
column's description is right for it).

Every view must answer a filter on its leading id through indexes, at a
million participants too (tests/test_query_plans.py): the per-row choices
below (a title as of an event, an event's latest status) are correlated
subqueries that walk primary keys and foreign-key indexes, never a window
over a whole table, which SQLite could not push a filter into.
"""

# Title at an event: among the participant's memberships whose
# period, when given, overlaps the event's dates, the one supported by the
# source published nearest the event's start; a tie goes to the later source,
# since a release is usually written after the event it reports. It returns
# that mention's rowid, so that one lookup gives both the membership (row_id)
# and the source (source_id).
TITLE_MENTION = """(
    select candidate.mention_rowid from (
      select title_mention.rowid as mention_rowid, held.id as membership_id,
        title_source.published_date as published_date,
        abs(julianday(title_source.published_date) - julianday(events.start_date)) as days_away
      from memberships as held
      join mentions as title_mention
        on title_mention.table_name = 'memberships' and title_mention.row_id = held.id
      join sources as title_source on title_source.id = title_mention.source_id
      where held.participant_id = event_participants.participant_id
        and (held.start_date is null or held.start_date <= events.end_date)
        and (held.end_date is null or held.end_date >= events.start_date)
    ) as candidate
    -- In a derived table because SQLite (3.40) resolves a subquery's ORDER BY
    -- without the outer query's columns: "no such column: events.start_date".
    order by candidate.days_away, candidate.published_date desc, candidate.membership_id
    limit 1
  )"""

# An event's status: the event_statuses row whose supporting
# sources include the latest published one. Two statuses in sources of the
# same day are ordered so that the answer does not depend on row order: what
# happened (cancelled, held) before what was still to come.
STATUS_MENTION = """(
    select status_mention.rowid
    from event_statuses as stated
    join mentions as status_mention
      on status_mention.table_name = 'event_statuses'
      and status_mention.row_id = stated.event_id || '/' || stated.status
    join sources as status_source on status_source.id = status_mention.source_id
    where stated.event_id = events.id
    order by status_source.published_date desc,
      case stated.status when 'cancelled' then 0 when 'held' then 1 when 'ongoing' then 2 else 3 end,
      status_mention.source_id
    limit 1
  )"""

# The tables of entities (rows with identity and a name), with the column that
# names them; the rest of the sourced tables are statements about them.
# tests/test_site.py checks this against the data package.
ENTITY_LABELS = {
    "participants": "name",
    "locations": "name",
    "events": "name",
    "series": "name",
    "documents": "title",
    "topics": "name",
    "quotes": "text",
}


def entity_label_sql(alias):
    """The label of the entity a mentions row points at: one primary-key lookup."""
    branches = "\n".join(
        f"    when '{table}' then (select {column} from {table} where id = {alias}.row_id)"
        for table, column in ENTITY_LABELS.items()
    )
    return f"case {alias}.table_name\n{branches}\n  end"


PARTICIPATIONS = f"""
select
  event_participants.event_id, events.name as event_name, events.start_date, events.end_date,
  event_participants.participant_id, participants.name as participant_name,
  participants.kind as participant_kind, event_participants.role, event_participants.note,
  event_participants.event_id || '/' || event_participants.participant_id || '/' || event_participants.role
    as row_id,
  title_mention.row_id as title_membership_id, memberships.title as title_at_event,
  memberships.honorific as honorific_at_event, memberships.organization_id as title_organization_id,
  title_mention.source_id as title_source_id
from event_participants
-- CROSS JOIN: from the participation to its event and participant, whatever
-- filters on it (an event's, a participant's), by primary keys.
cross join events on events.id = event_participants.event_id
cross join participants on participants.id = event_participants.participant_id
left join mentions as title_mention on title_mention.rowid = {TITLE_MENTION}
left join memberships on memberships.id = title_mention.row_id
"""

EVENT_STATUS_LATEST = f"""
select
  events.id as event_id, events.name as event_name, events.start_date, events.end_date,
  event_statuses.status, event_statuses.note,
  status_mention.source_id as status_source_id, status_source.published_date as status_as_of
from events
left join mentions as status_mention on status_mention.rowid = {STATUS_MENTION}
left join event_statuses
  on event_statuses.event_id = events.id
  and event_statuses.event_id || '/' || event_statuses.status = status_mention.row_id
left join sources as status_source on status_source.id = status_mention.source_id
"""

# Only venues go on the map: an 'origin' or 'area' place is not where the
# event happened. An event with two venues has two rows.
EVENTS_ON_MAP = f"""
select
  events.id as event_id, events.name as event_name, events.kind as event_kind,
  events.start_date, events.end_date, events.date_precision,
  -- The status is the row id's part after "event_id/" (event ids are slugs, without '/').
  (select substr(row_id, length(events.id) + 2) from mentions where rowid = {STATUS_MENTION}) as status,
  event_locations.location_id, locations.name as location_name,
  locations.latitude, locations.longitude, locations.coordinate_precision
from events
join event_locations on event_locations.event_id = events.id and event_locations.role = 'venue'
join locations on locations.id = event_locations.location_id
where locations.latitude is not null and locations.longitude is not null
"""

EVIDENCE = """
select
  mentions.table_name, mentions.row_id, mentions.source_id, sources.title as source_title,
  sources.published_date, mentions.evidence, mentions.name_as_written, mentions.note
from mentions
join sources on sources.id = mentions.source_id
"""

# One row per entity, source and name: the name its passage writes (a mention
# without one is still a row: the source describes the entity in other words),
# with the kind and years the same source gives that name, if it does; then the
# other names the source gives (names), with the passage that gives their kind
# or years where the name alone does not.
ENTITY_MENTIONS = f"""
select
  mentions.table_name, mentions.row_id, {entity_label_sql("mentions")} as entity_name,
  mentions.source_id, sources.title as source_title, sources.published_date,
  mentions.name_as_written as name_in_source, coalesce(names.kind, 'as written') as name_kind,
  names.used_from_year, names.used_until_year, mentions.evidence
from mentions
join sources on sources.id = mentions.source_id
left join names
  on names.table_name = mentions.table_name and names.row_id = mentions.row_id
  and names.source_id = mentions.source_id and names.name = mentions.name_as_written
where mentions.table_name in ({", ".join(f"'{table}'" for table in ENTITY_LABELS)})
union all
select
  names.table_name, names.row_id, {entity_label_sql("names")},
  names.source_id, sources.title, sources.published_date,
  names.name, names.kind, names.used_from_year, names.used_until_year, names.evidence
from names
join sources on sources.id = names.source_id
where not exists (
  select 1 from mentions as written
  where written.table_name = names.table_name and written.row_id = names.row_id
    and written.source_id = names.source_id and written.name_as_written = names.name)
"""


def entity_names(table, carried_columns):
    """Every name of each row of `table`, one row per entity and name: its own, each
    other name a source gives it (names, from the first source that gives it) and
    each other name a passage writes (mentions.name_as_written). For reconciliation
    (datasette-reconcile matches one column of one table or view: known_as)."""
    carried = ", ".join(f"{table}.{column}" for column in ("name", "kind", "parent_id", *carried_columns))
    return f"""
select {table}.id, {table}.name as known_as, {carried}
from {table}
union all
select names.row_id, names.name, {carried}
from names cross join {table} on {table}.id = names.row_id
where names.table_name = '{table}' and names.name <> {table}.name
  and not exists (
    select 1 from names as earlier
    where earlier.table_name = names.table_name and earlier.row_id = names.row_id
      and earlier.name = names.name and earlier.source_id < names.source_id)
union all
select mentions.row_id, mentions.name_as_written, {carried}
from mentions cross join {table} on {table}.id = mentions.row_id
where mentions.table_name = '{table}' and mentions.name_as_written <> {table}.name
  and not exists (
    select 1 from names as given
    where given.table_name = mentions.table_name and given.row_id = mentions.row_id
      and given.name = mentions.name_as_written)
  and not exists (
    select 1 from mentions as earlier
    where earlier.table_name = mentions.table_name and earlier.row_id = mentions.row_id
      and earlier.name_as_written = mentions.name_as_written and earlier.source_id < mentions.source_id)
"""


VIEWS = {
    "participations": {
        "title": "Participations",
        "description": (
            "View: each participation (event_participants row) with the event's name and dates, the "
            "participant's name and kind, the role, and the title the participant held at the event: the "
            "title of its membership whose supporting source was published nearest the event's start "
            "(within the membership's dates when given), with that source."
        ),
        "sql": PARTICIPATIONS,
    },
    "events_on_map": {
        "title": "Events on the map",
        "description": (
            "View: each event with the coordinates of each of its venues (event_locations with role "
            "venue) and its latest status, for the map; events whose venues have no coordinates are left out."
        ),
        "sql": EVENTS_ON_MAP,
    },
    "evidence": {
        "title": "Evidence",
        "description": "View: every passage that supports a row (every mention), with its source's title and date.",
        "sql": EVIDENCE,
    },
    "entity_mentions": {
        "title": "Entity mentions",
        "description": (
            "View: which sources mention an entity (actor, place, event, series, document, topic or quote) "
            "and under which names: the name each passage writes, then every other name the source gives "
            "(names) with its kind and years of use, each with its passage."
        ),
        "sql": ENTITY_MENTIONS,
    },
    "event_status_latest": {
        "title": "Event status, latest",
        "description": (
            "View: each event's status as of its latest source (held, ongoing, planned or cancelled), "
            "with that source and its date; empty when no source states one."
        ),
        "sql": EVENT_STATUS_LATEST,
    },
    "participant_names": {
        "title": "Every name of each actor",
        "description": (
            "View: one row per actor and name: its own, each other name a source gives it (names) and "
            "each other name a passage writes (mentions.name_as_written), for reconciliation."
        ),
        "sql": entity_names("participants", ("based_in_id", "wikidata_id")),
        "describes": "participants",
    },
    "location_names": {
        "title": "Every name of each place",
        "description": (
            "View: one row per place and name: its own, each other name a source gives it (names) and "
            "each other name a passage writes (mentions.name_as_written), for reconciliation."
        ),
        "sql": entity_names("locations", ("latitude", "longitude", "geonames_id", "wikidata_id")),
        "describes": "locations",
    },
}

VIEW_COLUMN_DESCRIPTIONS = {
    "event_name": "The event's name (see events.name).",
    "event_kind": "The event's kind (see events.kind).",
    "participant_name": "The participant's name (see participants.name).",
    "participant_kind": "The participant's kind (see participants.kind).",
    "role": "The participant's role in the event (see event_participants.role).",
    "title_at_event": (
        "The title the participant held at the event: that of its membership whose supporting source "
        "was published nearest the event's start date, within the membership's dates when given "
        "(see memberships.title); empty when it has none."
    ),
    "honorific_at_event": "The honorific that goes with title_at_event (see memberships.honorific).",
    "title_membership_id": "The membership title_at_event comes from (see memberships.id).",
    "title_organization_id": "The organisation of that membership (see memberships.organization_id).",
    "title_source_id": "The source that gives title_at_event (see sources.id).",
    "location_name": "The place's name (see locations.name).",
    "source_title": "The source's title (see sources.title).",
    "entity_name": "The entity's name (its name, or title for a document, text for a quote).",
    "name_in_source": (
        "A name the source gives the entity, exactly as written: its passage's own (mentions.name_as_written) "
        "or another one (names.name); empty when the passage describes the entity without a name."
    ),
    "name_kind": (
        "The kind of name the source says it is (see names.kind), or 'as written' for a passage's own "
        "name the source says nothing more about."
    ),
    "status": "The event's status as of its latest source (see event_statuses.status).",
    "status_source_id": "The latest source stating that status (see sources.id).",
    "status_as_of": "That source's publication date (see sources.published_date).",
    "known_as": "A name the entity is known by: its own, one a source gives it, or one a passage writes.",
}
