"""The event row page as a readable page, with schema.org Event JSON-LD.

For /antitrafficking/events/<id> this plugin gathers, with a handful of
indexed queries, what templates/row-antitrafficking-events.html shows: the
status as of the latest source, the places with their roles, the series, who
took part in the event and in its sub-events (with the title each held at
the event), attendance counts, documents, quotes, topics, and every source
that supports any of it with its passages highlighted. Each fact carries
its citations: the sources (numbered on the page) that support it. The
JSON-LD is made in event_json_ld.py, the marked passages in passages.py.

The JSON-LD's absolute URLs start with the configured origin (site_origin.py),
never with the request's Host header.
"""

import json

from datasette import hookimpl
from datasette.utils import tilde_decode

from .event_json_ld import event_json_ld
from .page_queries import (NAMES_SQL, PLACE_CHAIN_SQL, STATUSES_SQL, allowed_values, first, ids_json, rank,
                           row_id, rows, safe_json)
from .passages import highlight
from .site_origin import Links

# The event and every event below it, with the depth and the parent of each.
EVENT_TREE_SQL = """
    with recursive tree(id, depth) as (
      select :id, 0
      union all
      select events.id, tree.depth + 1 from tree join events on events.parent_id = tree.id
    )
    select events.id, events.name, events.parent_id, events.start_date, events.end_date,
      events.date_precision, tree.depth
    from tree join events on events.id = tree.id
    order by tree.depth, events.start_date, events.id
"""
STATUS_HISTORY_SQL = "select status, note from event_statuses where event_id = :id"
PLACES_SQL = """
    select json_each.key as position, event_locations.event_id, event_locations.location_id,
      event_locations.role, event_locations.note
    from json_each(:ids) cross join event_locations on event_locations.event_id = json_each.value
    order by json_each.key, event_locations.role, event_locations.location_id
"""
PARTICIPATIONS_SQL = """
    select participations.*, participants.wikidata_id, organization.name as title_organization_name
    from json_each(:ids) as wanted
    cross join participations on participations.event_id = wanted.value
    cross join participants on participants.id = participations.participant_id
    left join participants as organization on organization.id = participations.title_organization_id
    order by participations.participant_name, participations.start_date
"""
ATTENDANCE_SQL = """
    select attendance.*, events.name as event_name, participants.name as group_name
    from json_each(:ids) as wanted
    cross join attendance on attendance.event_id = wanted.value
    cross join events on events.id = attendance.event_id
    left join participants on participants.id = attendance.participant_id
    order by wanted.key, attendance.id
"""
DOCUMENTS_SQL = """
    select event_documents.role, event_documents.note as role_note, documents.*, author.name as author_name
    from event_documents
    cross join documents on documents.id = event_documents.document_id
    left join participants as author on author.id = documents.author_id
    where event_documents.event_id = :id
    order by documents.title
"""
QUOTES_SQL = """
    select quotes.*, participants.name as speaker_name from quotes
    join participants on participants.id = quotes.speaker_id
    where quotes.event_id = :id order by quotes.id
"""
TOPICS_SQL = """
    select topics.id, topics.name, topics.description
    from event_topics join topics on topics.id = event_topics.topic_id
    where event_topics.event_id = :id order by topics.name
"""
SERIES_SQL = "select * from series where id = :id"
SERIES_EVENTS_SQL = """
    select id, name, start_date, series_position from events where series_id = :id
    order by series_position, start_date, id limit 100
"""
MENTIONS_SQL = """
    select mentions.table_name, mentions.row_id, mentions.source_id, mentions.evidence,
      mentions.name_as_written
    from json_each(:keys) as wanted
    cross join mentions
      on mentions.table_name = wanted.value ->> 0 and mentions.row_id = wanted.value ->> 1
"""
SOURCES_SQL = """
    select sources.id, sources.title, sources.publisher, sources.published_date, sources.url, sources.text
    from json_each(:ids) as wanted cross join sources on sources.id = wanted.value
    order by sources.published_date, sources.id
"""

@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table != "events" or request is None:
        return {}

    async def event_vars():
        event_id = tilde_decode(request.url_vars["pks"])  # events have one key column
        page = await gather_event(datasette.get_database(database), event_id)
        if page is None:
            return {}
        links = Links(datasette, database)
        page["links"] = links
        page["json_ld"] = safe_json(event_json_ld(page, links), indent=2)
        page["map_markers"] = safe_json(map_markers(page, links))
        return {"event_page": page}

    return event_vars


async def gather_event(db, event_id):
    event = await first(db, "select * from events where id = :id", {"id": event_id})
    if event is None:
        return None
    tree = await rows(db, EVENT_TREE_SQL, {"id": event_id})
    tree_ids = ids_json(node["id"] for node in tree)
    statuses = {row["event_id"]: row for row in await rows(db, STATUSES_SQL, {"ids": tree_ids})}
    places = await gather_places(db, tree_ids)
    participations = await rows(db, PARTICIPATIONS_SQL, {"ids": tree_ids})
    names = await gather_names(db, participations, places)
    add_names_at_event(participations, names)
    page = {
        "event": event,
        "status": statuses.get(event_id),
        "status_history": await rows(db, STATUS_HISTORY_SQL, {"id": event_id}),
        "places": [place for place in places if place["event_id"] == event_id],
        "parent": await first(db, "select id, name, start_date, end_date from events where id = :id",
                              {"id": event["parent_id"]}),
        "series": await gather_series(db, event),
        "sub_events": sub_events(tree, event_id, statuses, places),
        "participations": participations,
        "roles": by_role(participations, event_id, await allowed_values(db, "event_participants", "role")),
        "attendance": await rows(db, ATTENDANCE_SQL, {"ids": tree_ids}),
        "documents": await rows(db, DOCUMENTS_SQL, {"id": event_id}),
        "quotes": await rows(db, QUOTES_SQL, {"id": event_id}),
        "topics": await rows(db, TOPICS_SQL, {"id": event_id}),
        "names": names,
    }
    await cite_everything(db, page)
    return page


async def gather_places(db, tree_ids):
    """Every place of the event and its sub-events, each with the places containing it."""
    places = await rows(db, PLACES_SQL, {"ids": tree_ids})
    place_roles = await allowed_values(db, "event_locations", "role")
    chains = {}
    for place in places:
        if place["location_id"] not in chains:
            chains[place["location_id"]] = await rows(db, PLACE_CHAIN_SQL, {"location_id": place["location_id"]})
        place["chain"] = chains[place["location_id"]]
        place["location"] = place["chain"][0]
    places.sort(key=lambda place: (place["position"], rank(place_roles, place["role"])))
    return places


async def gather_series(db, event):
    if not event["series_id"]:
        return None
    series = await first(db, SERIES_SQL, {"id": event["series_id"]})
    series["events"] = await rows(db, SERIES_EVENTS_SQL, {"id": event["series_id"]})
    return series


async def gather_names(db, participations, places):
    """{(table, id): [every name]} of the actors and places on the page, for alternateName."""
    actors = {row["participant_id"] for row in participations}
    actors |= {row["title_organization_id"] for row in participations if row["title_organization_id"]}
    wanted = {"participants": actors,
              "locations": {row["id"] for place in places for row in place["chain"]}}
    names = {}
    for table, ids in wanted.items():
        for row in await rows(db, NAMES_SQL, {"table": table, "ids": ids_json(sorted(ids))}):
            names.setdefault((table, row["row_id"]), []).append(row)
    return names


def add_names_at_event(participations, names):
    """Each participant's and its title's organisation's name in the year of the event."""
    for row in participations:
        year = int(row["start_date"][:4])
        row["name_at_event"] = name_in_year(names.get(("participants", row["participant_id"]), []),
                                            year, row["participant_name"])
        if row["title_organization_id"]:
            row["title_organization_name"] = name_in_year(
                names.get(("participants", row["title_organization_id"]), []), year, row["title_organization_name"])


def name_in_year(names, year, default):
    """The name in use in `year`, when exactly one name or former name is dated to
    include it ("until 2017", "from 2017"); otherwise the row's own name."""
    dated = [row["name"] for row in names if row["kind"] in ("name", "former name")
             and (row["used_from_year"] is not None or row["used_until_year"] is not None)
             and (row["used_from_year"] or year) <= year <= (row["used_until_year"] or year)]
    return dated[0] if len(set(dated)) == 1 else default


def sub_events(tree, event_id, statuses, places):
    """The direct sub-events, each with its status and places."""
    children = [dict(node) for node in tree if node["parent_id"] == event_id]
    for child in children:
        child["status"] = statuses.get(child["id"])
        child["places"] = [place for place in places if place["event_id"] == child["id"]]
    return children


def by_role(participations, event_id, order):
    """[(role, [actor])]: each actor once per role, with the events of the tree it had it in."""
    roles = {}
    for row in participations:
        actors = roles.setdefault(row["role"], {})
        actor = actors.setdefault(row["participant_id"], {**row, "events": [], "rows": []})
        actor["rows"].append(row)
        if row["event_id"] != event_id:
            actor["events"].append({"id": row["event_id"], "name": row["event_name"]})
        actor["in_event_itself"] = actor.get("in_event_itself", False) or row["event_id"] == event_id
    return [(role, list(roles[role].values())) for role in sorted(roles, key=lambda role: (rank(order, role), role))]


# ---- citations ----------------------------------------------------------------

def fact_keys(page):
    """(table, row_id) of every row the page states something from, in mentions' row_id convention."""
    event_id = page["event"]["id"]
    keys = [("events", event_id)]
    keys += [("events", sub["id"]) for sub in page["sub_events"]]
    keys += [("event_statuses", row_id(event_id, row['status'])) for row in page["status_history"]]
    keys += [("event_statuses", row_id(sub['id'], sub['status']['status']))
             for sub in page["sub_events"] if sub["status"] and sub["status"]["status"]]
    places = page["places"] + [place for sub in page["sub_events"] for place in sub["places"]]
    keys += [("event_locations", row_id(p['event_id'], p['location_id'], p['role'])) for p in places]
    keys += [("event_participants", row["row_id"]) for row in page["participations"]]
    keys += [("memberships", row["title_membership_id"]) for row in page["participations"] if row["title_membership_id"]]
    keys += [("attendance", row["id"]) for row in page["attendance"]]
    keys += [("event_documents", row_id(event_id, doc['id'], doc['role'])) for doc in page["documents"]]
    keys += [("quotes", quote["id"]) for quote in page["quotes"]]
    keys += [("event_topics", row_id(event_id, topic['id'])) for topic in page["topics"]]
    if page["series"]:
        keys.append(("series", page["series"]["id"]))
    return sorted(set(keys))


async def cite_everything(db, page):
    """Number the sources behind the page's facts (oldest first) and give each fact its citations."""
    found, sources, cites = await cited_sources(db, fact_keys(page))
    attach_citations(page, cites)
    page["sources"] = [source_section(source, number, found, page["quotes"])
                       for number, source in enumerate(sources, 1)]


async def cited_sources(db, keys):
    """For rows `keys` ((table, row_id), sorted): their mentions by key, the sources behind them
    numbered oldest first (number = position + 1), and cites(table, row_id, source_id=None).
    The entity pages (entity_page) cite their facts with it too."""
    found = {}
    for mention in await rows(db, MENTIONS_SQL, {"keys": json.dumps(keys)}):
        found.setdefault((mention["table_name"], mention["row_id"]), []).append(mention)
    source_ids = sorted({m["source_id"] for mentions in found.values() for m in mentions})
    sources = await rows(db, SOURCES_SQL, {"ids": ids_json(source_ids)})
    numbers = {source["id"]: number for number, source in enumerate(sources, 1)}

    def cites(table, row_id, source_id=None):
        """The citations of one row, by source number; only `source_id`'s when given."""
        mentions = [m for m in found.get((table, row_id), []) if source_id in (None, m["source_id"])]
        return sorted(({"number": numbers[m["source_id"]], "evidence": m["evidence"], "source_id": m["source_id"]}
                       for m in mentions), key=lambda cite: cite["number"])

    return found, sources, cites


def attach_citations(page, cites):
    event_id = page["event"]["id"]
    page["event_cites"] = cites("events", event_id)
    for row in page["status_history"]:
        row["cites"] = cites("event_statuses", row_id(event_id, row['status']))
    if page["status"] and page["status"]["status"]:
        page["status"]["cites"] = cites("event_statuses", row_id(event_id, page['status']['status']))
    for sub in page["sub_events"]:
        sub["cites"] = cites("events", sub["id"])
    for place in page["places"] + [place for sub in page["sub_events"] for place in sub["places"]]:
        place["cites"] = cites("event_locations", row_id(place['event_id'], place['location_id'], place['role']))
    for row in page["participations"]:
        row["cites"] = cites("event_participants", row["row_id"])
        row["title_cites"] = cites("memberships", row["title_membership_id"], row["title_source_id"]) \
            if row["title_membership_id"] else []
    for _, actors in page["roles"]:
        for actor in actors:
            actor["cites"] = merge_cites(row["cites"] for row in actor["rows"])
            actor["title_cites"] = actor["rows"][0]["title_cites"]
    for row in page["attendance"]:
        row["cites"] = cites("attendance", row["id"])
    for doc in page["documents"]:
        doc["cites"] = cites("event_documents", row_id(event_id, doc['id'], doc['role']))
    for quote in page["quotes"]:
        quote["cites"] = cites("quotes", quote["id"])
    for topic in page["topics"]:
        topic["cites"] = cites("event_topics", row_id(event_id, topic['id']))
    if page["series"]:
        page["series"]["cites"] = cites("series", page["series"]["id"])


def merge_cites(lists):
    merged = {}
    for cite_list in lists:
        for cite in cite_list:
            merged.setdefault((cite["number"], cite["evidence"]), cite)
    return [merged[key] for key in sorted(merged)]


def source_section(source, number, found, quotes):
    """A source with every passage of it the page cites highlighted."""
    passages = {m["evidence"] for mentions in found.values() for m in mentions if m["source_id"] == source["id"]}
    # A quote is word for word in every source that mentions it: mark its words too.
    passages |= {quote["text"] for quote in quotes
                 if any(m["source_id"] == source["id"] for m in found.get(("quotes", quote["id"]), []))}
    return {**source, "number": number, "paragraphs": highlight(source["text"] or "", passages)}


def map_markers(page, links):
    """One marker per venue with coordinates, of the event and of each sub-event."""
    markers = []
    events = [(page["event"], page["places"], "events")] + [(sub, sub["places"], "events") for sub in page["sub_events"]]
    for event, places, table in events:
        for place in places:
            location = place["location"]
            if place["role"] == "venue" and location["latitude"] is not None:
                url = links.row("locations", location["id"]) if event is page["event"] else links.row(table, event["id"])
                markers.append({"latitude": location["latitude"], "longitude": location["longitude"],
                                "label": event["name"] + " – " + location["name"], "url": url})
    return markers


