"""The rows of the topic, document and series pages: what each is, the events
it belongs to (linked to their pages; the first LIST_LIMIT, with how many there
are and where to browse them all), the names the sources give it, and the
sources behind each fact."""

from .entity_citations import cite_page, entity_mentions, mentioned_in, names_over_time
from .page_queries import first, row_id, rows

LIST_LIMIT = 100

TOPIC_SQL = "select * from topics where id = :id"
TOPIC_EVENTS_SQL = """
    select events.id, events.name, events.start_date, events.end_date
    from event_topics cross join events on events.id = event_topics.event_id
    where event_topics.topic_id = :id order by events.start_date, events.id limit :limit
"""
TOPIC_EVENTS_COUNT_SQL = "select count(*) as n from event_topics where topic_id = :id"
DOCUMENT_SQL = """
    select documents.*, author.name as author_name, author.kind as author_kind
    from documents left join participants as author on author.id = documents.author_id
    where documents.id = :id
"""
DOCUMENT_EVENTS_SQL = """
    select events.id, events.name, events.start_date, events.end_date, event_documents.role, event_documents.note
    from event_documents cross join events on events.id = event_documents.event_id
    where event_documents.document_id = :id order by events.start_date, events.id, event_documents.role
    limit :limit
"""
DOCUMENT_EVENTS_COUNT_SQL = "select count(*) as n from event_documents where document_id = :id"
SERIES_SQL = "select * from series where id = :id"
# An event's place in its series is a column of the event's own row.
SERIES_EVENTS_SQL = """
    select id, name, start_date, series_position from events where series_id = :id
    order by series_position, start_date, id limit :limit
"""
SERIES_EVENTS_COUNT_SQL = "select count(*) as n from events where series_id = :id"


async def gather_topic(db, topic_id, links):
    topic = await first(db, TOPIC_SQL, {"id": topic_id})
    if topic is None:
        return None
    events = await bounded_events(db, TOPIC_EVENTS_SQL, TOPIC_EVENTS_COUNT_SQL, topic_id,
                                  links.table("event_topics", topic_id=topic_id))
    return await catalogue_page(db, "topics", topic, events,
                                lambda event: ("event_topics", row_id(event["id"], topic_id)))


async def gather_document(db, document_id, links):
    document = await first(db, DOCUMENT_SQL, {"id": document_id})
    if document is None:
        return None
    events = await bounded_events(db, DOCUMENT_EVENTS_SQL, DOCUMENT_EVENTS_COUNT_SQL, document_id,
                                  links.table("event_documents", document_id=document_id))
    return await catalogue_page(db, "documents", document, events,
                                lambda event: ("event_documents", row_id(event["id"], document_id, event["role"])))


async def gather_series(db, series_id, links):
    series = await first(db, SERIES_SQL, {"id": series_id})
    if series is None:
        return None
    events = await bounded_events(db, SERIES_EVENTS_SQL, SERIES_EVENTS_COUNT_SQL, series_id,
                                  links.table("events", series_id=series_id, _sort="series_position"))
    return await catalogue_page(db, "series", series, events, lambda event: ("events", event["id"]))


async def bounded_events(db, sql, count_sql, entity_id, all_url):
    """(the first LIST_LIMIT events, how many there are, the page that lists them all)."""
    events = await rows(db, sql, {"id": entity_id, "limit": LIST_LIMIT})
    return events, (await first(db, count_sql, {"id": entity_id}))["n"], all_url


async def catalogue_page(db, table, entity, bounded, statement_key):
    """The entity, its events each cited by `statement_key(event)`, its names and sources."""
    events, events_count, all_events_url = bounded
    page = {"entity": entity, "table": table, "events": events, "events_count": events_count,
            "all_events_url": all_events_url, "limit": LIST_LIMIT,
            "title": entity.get("name") or entity["title"],
            "mentions": await entity_mentions(db, table, entity["id"])}
    cites = await cite_page(db, page, [(table, entity["id"])] + [statement_key(event) for event in events])
    page["cites"] = cites(table, entity["id"])
    for event in events:
        event["cites"] = cites(*statement_key(event))
    page["names_over_time"] = names_over_time(page["mentions"], cites, table, entity["id"])
    page["mentioned_in"] = mentioned_in(page["mentions"], page["sources"])
    return page
