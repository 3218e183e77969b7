"""The event row page as a readable page, with schema.org Event JSON-LD.

For /antitrafficking/events/<id> this plugin gathers, with a handful of
indexed queries, what the template templates/row-antitrafficking-events.html
shows: when and where, who in which role, sub-events, quotes, topics, and
the source text with every evidence passage of the event highlighted.
"""

import json
import re

from datasette import hookimpl
from datasette.utils import tilde_encode, urlsafe_components
from markupsafe import Markup, escape

SCHEMA_TYPES = {"person": "Person", "office": "Person", "organization": "Organization", "group": "Organization"}
ROLE_ORDER = ["organizer", "chair", "speaker", "participant", "visitor", "quoted"]
# Roles that make someone an attendee in schema.org's sense.
ATTENDING_ROLES = {"chair", "speaker", "participant", "visitor"}
# The event's place and the places that contain it, nearest first. Each step
# looks its parent up in a subquery: written as a join, SQLite 3.40 builds a
# Bloom filter over all of locations at every step (20 ms at 100 000
# locations, against 0.04 ms; tests/test_query_plans.py checks the plan).
PLACE_CHAIN_SQL = """
    with recursive chain(id, depth) as (
      select :location_id, 0
      union all
      select (select parent_id from locations where id = chain.id), chain.depth + 1 from chain
      where (select parent_id from locations where id = chain.id) is not null
    )
    select locations.* from chain join locations on locations.id = chain.id order by chain.depth
"""


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table != "events" or request is None:
        return {}

    async def event_vars():
        event_id = urlsafe_components(request.url_vars["pks"])[0]
        page = await gather_event(datasette.get_database(database), event_id)
        if page is None:
            return {}
        links = Links(datasette, database, request)
        page["links"] = links
        page["json_ld"] = json_ld_script(event_json_ld(page, links))
        page["highlighted_source"] = highlight(page["source"]["text"] or "", page["passages"])
        page["map_markers"] = safe_json(map_markers(page, links))
        return {"event_page": page}

    return event_vars


class Links:
    """Row-page URLs, so the template links every participant, place and topic."""

    def __init__(self, datasette, database, request):
        self.datasette, self.database = datasette, database
        # Built once per page and per table, not per link (a page can have a
        # hundred): absolute_url() and urls.row() resolve the database each call.
        self.origin = datasette.absolute_url(request, "/")[:-1]
        self.table_paths = {}

    def row(self, table, row_id):
        if table not in self.table_paths:
            self.table_paths[table] = self.datasette.urls.table(self.database, table)
        return f"{self.table_paths[table]}/{tilde_encode(row_id)}"

    def absolute_row(self, table, row_id):
        return self.origin + self.row(table, row_id)


async def rows(db, sql, params):
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def gather_event(db, event_id):
    found = await rows(db, "select * from events where id = :id", {"id": event_id})
    if not found:
        return None
    event = found[0]
    places = await rows(db, PLACE_CHAIN_SQL, {"location_id": event["location_id"]})
    people = await rows(db, """
        select event_participants.role, event_participants.evidence, event_participants.note,
          participants.id, participants.name, participants.kind, participants.title,
          participants.headcount, participants.wikidata_id
        from event_participants join participants on participants.id = event_participants.participant_id
        where event_participants.event_id = :id
        order by participants.name
    """, {"id": event_id})
    by_role = {}
    for person in people:
        by_role.setdefault(person["role"], []).append(person)
    roles = sorted(by_role.items(), key=lambda item: ROLE_ORDER.index(item[0]) if item[0] in ROLE_ORDER else len(ROLE_ORDER))
    organizer = await rows(db, "select * from participants where id = :id", {"id": event["organizer_id"]})
    parent = await rows(db, "select id, name, start_date, end_date from events where id = :id", {"id": event["parent_id"]})
    sub_events = await rows(db, """
        select events.id, events.name, events.start_date, events.end_date, events.date_precision,
          locations.name as location_name, locations.latitude, locations.longitude
        from events left join locations on locations.id = events.location_id
        where events.parent_id = :id order by events.start_date, events.id
    """, {"id": event_id})
    for sub_event in sub_events:
        sub_event["attendees"] = await rows(db, """
            select distinct participants.id, participants.name, participants.kind, participants.title, participants.wikidata_id
            from event_participants join participants on participants.id = event_participants.participant_id
            where event_participants.event_id = :id and event_participants.role in ('chair', 'speaker', 'participant', 'visitor')
            order by participants.name
        """, {"id": sub_event["id"]})
    quotes = await rows(db, """
        select quotes.*, participants.name as speaker_name from quotes
        join participants on participants.id = quotes.speaker_id
        where quotes.event_id = :id order by quotes.id
    """, {"id": event_id})
    topics = await rows(db, """
        select topics.id, topics.name, topics.description, event_topics.evidence
        from event_topics join topics on topics.id = event_topics.topic_id
        where event_topics.event_id = :id order by topics.name
    """, {"id": event_id})
    source = (await rows(db, "select id, title, publisher, published_date, text from sources where id = :id", {"id": event["source_id"]}))[0]
    passages = [event["evidence"]] + [p["evidence"] for p in people] + [t["evidence"] for t in topics] + [q["text"] for q in quotes]
    return {
        "event": event, "places": places, "roles": roles, "organizer": organizer[0] if organizer else None,
        "parent": parent[0] if parent else None, "sub_events": sub_events, "quotes": quotes,
        "topics": topics, "source": source, "passages": passages, "attendees": people,
    }


def highlight(text, passages):
    """Source text as HTML paragraphs with every passage in <mark>; all text escaped."""
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]
    wanted = {" ".join(p.split()) for p in passages if p}
    html = []
    for paragraph in paragraphs:
        spans = sorted(span for passage in wanted for span in occurrences(passage, paragraph))
        merged = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        pieces, position = [], 0
        for start, end in merged:
            pieces.append(escape(paragraph[position:start]))
            pieces.append(Markup("<mark>") + escape(paragraph[start:end]) + Markup("</mark>"))
            position = end
        pieces.append(escape(paragraph[position:]))
        html.append(Markup("<p>") + Markup("").join(pieces) + Markup("</p>"))
    return Markup("\n").join(html)


def occurrences(passage, text):
    """(start, end) of every occurrence of `passage` in `text`."""
    start = text.find(passage) if passage else -1
    while start != -1:
        yield start, start + len(passage)
        start = text.find(passage, start + 1)


def wikidata_url(wikidata_id):
    return f"https://www.wikidata.org/wiki/{wikidata_id}" if wikidata_id else None


def agent(row, links):
    thing = {"@type": SCHEMA_TYPES.get(row["kind"], "Organization"), "name": row["name"],
             "url": links.absolute_row("participants", row["id"])}
    if row.get("title"):
        thing["jobTitle"] = row["title"]
    if row.get("wikidata_id"):
        thing["sameAs"] = wikidata_url(row["wikidata_id"])
    return thing


def place(places, links):
    """The event's location as a schema.org Place, nested in the places that contain it."""
    result = None
    for row in reversed(places):  # from the country down to the event's own place
        thing = {"@type": "Place", "name": row["name"],
                 "url": links.absolute_row("locations", row["id"])}
        if row["latitude"] is not None:
            thing["geo"] = {"@type": "GeoCoordinates", "latitude": row["latitude"], "longitude": row["longitude"]}
        if row["wikidata_id"]:
            thing["sameAs"] = wikidata_url(row["wikidata_id"])
        if result:
            thing["containedInPlace"] = result
        result = thing
    return result


def event_json_ld(page, links):
    event = page["event"]
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": links.absolute_row("events", event["id"]),
        "name": event["name"],
        "description": event["description"],
        "startDate": event["start_date"],
        "endDate": event["end_date"],
    }
    if page["places"]:
        data["location"] = place(page["places"], links)
    if page["organizer"]:
        data["organizer"] = agent(page["organizer"], links)
    attendees = {row["id"]: row for row in page["attendees"] if row["role"] in ATTENDING_ROLES}
    if attendees:
        data["attendee"] = [agent(row, links) for row in attendees.values()]
    if page["parent"]:
        data["superEvent"] = {"@type": "Event", "name": page["parent"]["name"],
                              "url": links.absolute_row("events", page["parent"]["id"])}
    if page["sub_events"]:
        data["subEvent"] = [
            {"@type": "Event", "name": sub["name"], "startDate": sub["start_date"], "endDate": sub["end_date"],
             "url": links.absolute_row("events", sub["id"]),
             **({"attendee": [agent(a, links) for a in sub["attendees"]]} if sub["attendees"] else {})}
            for sub in page["sub_events"]
        ]
    return data


def map_markers(page, links):
    """One marker for the event's own place and one per sub-event place, where coordinates are known."""
    markers = []
    own = page["places"][0] if page["places"] else None
    if own and own["latitude"] is not None:
        markers.append({"latitude": own["latitude"], "longitude": own["longitude"],
                        "label": page["event"]["name"] + " – " + own["name"],
                        "url": links.row("locations", own["id"])})
    for sub in page["sub_events"]:
        if sub["latitude"] is not None:
            markers.append({"latitude": sub["latitude"], "longitude": sub["longitude"],
                            "label": sub["name"] + " – " + (sub["location_name"] or ""),
                            "url": links.row("events", sub["id"])})
    return markers


def safe_json(data, indent=None):
    # "<" escaped so that no value can close a <script> element early.
    return Markup(json.dumps(data, ensure_ascii=False, indent=indent).replace("<", "\\u003c"))


def json_ld_script(data):
    return Markup('<script type="application/ld+json">\n') + safe_json(data, indent=2) + Markup("\n</script>")
