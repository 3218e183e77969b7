"""The rows of a source's page (/antitrafficking/sources/<id>): the press release as text.

The text is shown in paragraphs with every passage any row cites from it
(mentions.evidence) marked, and each mark links to the page that shows that
row: an entity's own page (event, actor, place, topic, document, series),
or, for a statement about an entity (who took part, where, a status, a
count, a quote, a title, a dateline), the page of the entity it is about.
Below the text, the same rows listed by page; above it, the original address
when known, with how it was found (url_basis). A source can support thousands
of rows: the page marks and lists those of the first LIST_LIMIT, says how many
there are, and links to the table page that lists them all.
"""

from pipeline.schema import ROW_ID_SEPARATOR
from pipeline.views import entity_label_sql

from .page_queries import first, rows
from .passages import highlight

# The page that shows a row of each table: an entity table's own rows, else the
# entity a statement is about, found by its key's first part or its column.
OWN_PAGE_TABLES = ("events", "participants", "locations", "series", "documents", "topics")
EVENT_STATEMENT_TABLES = ("event_participants", "event_locations", "event_statuses", "event_topics",
                          "event_documents")
TARGET_TABLE = "\n".join(
    [f"        when '{table}' then '{table}'" for table in OWN_PAGE_TABLES]
    + [f"        when '{table}' then 'events'" for table in EVENT_STATEMENT_TABLES + ("attendance", "quotes")]
    + ["        when 'memberships' then 'participants'", "        when 'source_datelines' then 'locations'"])

LIST_LIMIT = 200

SOURCE_SQL = "select * from sources where id = :id"
# Every row the source supports, with the page that shows it and that page's
# entity's name (the same label entity_mentions gives, through primary keys).
CITED_ROWS_SQL = f"""
    select target.cited_table, target.cited_row_id, target.evidence, target.name_as_written,
      target.table_name as target_table, target.row_id as target_id,
      {entity_label_sql("target")} as target_name
    from (
      select mentions.table_name as cited_table, mentions.row_id as cited_row_id, mentions.evidence,
        mentions.name_as_written,
        case mentions.table_name
{TARGET_TABLE}
        end as table_name,
        case
          when mentions.table_name in ({", ".join(f"'{t}'" for t in EVENT_STATEMENT_TABLES)})
            then substr(mentions.row_id, 1, instr(mentions.row_id, '{ROW_ID_SEPARATOR}') - 1)
          when mentions.table_name = 'attendance' then (select event_id from attendance where id = mentions.row_id)
          when mentions.table_name = 'quotes' then (select event_id from quotes where id = mentions.row_id)
          when mentions.table_name = 'memberships'
            then (select participant_id from memberships where id = mentions.row_id)
          -- a dateline's key is source_id/location_id
          when mentions.table_name = 'source_datelines' then substr(mentions.row_id, length(:id) + 2)
          else mentions.row_id
        end as row_id
      from mentions where mentions.source_id = :id
    ) as target
    order by target.table_name, target.row_id, target.cited_table, target.cited_row_id
    limit :limit
"""
CITED_ROWS_COUNT_SQL = "select count(*) as n from mentions where source_id = :id"
DATELINES_SQL = """
    select locations.id, locations.name from source_datelines
    cross join locations on locations.id = source_datelines.location_id
    where source_datelines.source_id = :id order by source_datelines.position
"""
# What a cited table's rows say, for the list of the rows the source supports.
TABLE_WORDS = {
    "events": "the event", "participants": "the actor", "locations": "the place", "series": "the series",
    "documents": "the document", "topics": "the topic", "event_participants": "who took part, in which role",
    "event_locations": "a place of the event", "event_statuses": "its status", "event_topics": "a topic of it",
    "event_documents": "a document it used", "attendance": "how many took part", "quotes": "a quote",
    "memberships": "a post or title held", "source_datelines": "the dateline",
}


async def gather_source(db, source_id, links):
    source = await first(db, SOURCE_SQL, {"id": source_id})
    if source is None:
        return None
    cited = await rows(db, CITED_ROWS_SQL, {"id": source_id, "limit": LIST_LIMIT})
    for row in cited:
        row["url"] = links.row(row["target_table"], row["target_id"]) if row["target_table"] else None
        row["says"] = TABLE_WORDS.get(row["cited_table"], row["cited_table"])
    return {
        "source": source,
        "title": source["title"],
        "datelines": await rows(db, DATELINES_SQL, {"id": source_id}),
        "cited": cited,
        "cited_count": (await first(db, CITED_ROWS_COUNT_SQL, {"id": source_id}))["n"],
        "all_cited_url": links.table("mentions", source_id=source_id),
        "limit": LIST_LIMIT,
        "pages": pages_supported(cited),
        "paragraphs": marked_paragraphs(source["text"] or "", cited),
        "original_url": source["url"] if (source["url"] or "").startswith(("https://", "http://")) else None,
    }


def pages_supported(cited):
    """The pages this source supports, each once, with what it says there."""
    pages = {}
    for row in cited:
        if row["url"]:
            page = pages.setdefault(row["url"], {"url": row["url"], "table": row["target_table"],
                                                 "name": row["target_name"], "says": []})
            if row["says"] not in page["says"]:
                page["says"].append(row["says"])
    order = {table: position for position, table in enumerate(OWN_PAGE_TABLES)}
    return sorted(pages.values(), key=lambda page: (order.get(page["table"], len(order)), page["name"] or ""))


def marked_paragraphs(text, cited):
    """passages.highlight's paragraphs, each marked piece with the pages of the rows whose
    passage it holds (overlapping passages make one mark): [[(text, [row, ...] or None)]]."""
    paragraphs = highlight(text, [row["evidence"] for row in cited])
    normalised = [(" ".join(row["evidence"].split()), row) for row in cited]
    return [[(piece, pages_of(row for passage, row in normalised if passage in piece) if marked else None)
             for piece, marked in paragraph] for paragraph in paragraphs]


def pages_of(cited_rows):
    """One row per page the rows are shown on: first the pages of the entities the passage
    itself supports (events first), then those of the entities its statements are about."""
    order = {table: position for position, table in enumerate(OWN_PAGE_TABLES)}
    seen = {}
    for row in sorted(cited_rows, key=lambda row: (row["cited_table"] != row["target_table"],
                                                   order.get(row["target_table"], len(order)))):
        if row["url"]:
            seen.setdefault(row["url"], row)
    return list(seen.values())
