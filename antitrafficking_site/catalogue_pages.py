"""The rows of the topic, document and series pages: what each is, the events
it belongs to (linked to their pages), the names the sources give it, and the
sources behind each fact."""

from .entity_citations import cite_page, entity_mentions, mentioned_in, names_over_time
from .event_page import SERIES_EVENTS_SQL
from .page_queries import first, row_id, rows

TOPIC_SQL = "select * from topics where id = :id"
TOPIC_EVENTS_SQL = """
    select events.id, events.name, events.start_date, events.end_date
    from event_topics cross join events on events.id = event_topics.event_id
    where event_topics.topic_id = :id order by events.start_date, events.id
"""
DOCUMENT_SQL = """
    select documents.*, author.name as author_name, author.kind as author_kind
    from documents left join participants as author on author.id = documents.author_id
    where documents.id = :id
"""
DOCUMENT_EVENTS_SQL = """
    select events.id, events.name, events.start_date, events.end_date, event_documents.role, event_documents.note
    from event_documents cross join events on events.id = event_documents.event_id
    where event_documents.document_id = :id order by events.start_date, events.id, event_documents.role
"""
SERIES_SQL = "select * from series where id = :id"


async def gather_topic(db, topic_id, links):
    topic = await first(db, TOPIC_SQL, {"id": topic_id})
    if topic is None:
        return None
    events = await rows(db, TOPIC_EVENTS_SQL, {"id": topic_id})
    return await catalogue_page(db, "topics", topic, events,
                                lambda event: ("event_topics", row_id(event["id"], topic_id)))


async def gather_document(db, document_id, links):
    document = await first(db, DOCUMENT_SQL, {"id": document_id})
    if document is None:
        return None
    events = await rows(db, DOCUMENT_EVENTS_SQL, {"id": document_id})
    return await catalogue_page(db, "documents", document, events,
                                lambda event: ("event_documents", row_id(event["id"], document_id, event["role"])))


async def gather_series(db, series_id, links):
    series = await first(db, SERIES_SQL, {"id": series_id})
    if series is None:
        return None
    # An event's place in its series is a column of the event's own row.
    events = await rows(db, SERIES_EVENTS_SQL, {"id": series_id})
    return await catalogue_page(db, "series", series, events, lambda event: ("events", event["id"]))


async def catalogue_page(db, table, entity, events, statement_key):
    """The entity, its events each cited by `statement_key(event)`, its names and sources."""
    page = {"entity": entity, "table": table, "events": events, "title": entity.get("name") or entity["title"],
            "mentions": await entity_mentions(db, table, entity["id"])}
    cites = await cite_page(db, page, [(table, entity["id"])] + [statement_key(event) for event in events])
    page["cites"] = cites(table, entity["id"])
    for event in events:
        event["cites"] = cites(*statement_key(event))
    page["names_over_time"] = names_over_time(page["mentions"], cites, table, entity["id"])
    page["mentioned_in"] = mentioned_in(page["mentions"], page["sources"])
    return page
