"""The rows of a place's page (/antitrafficking/locations/<id>).

A place sits in a hierarchy (a facility in a city in a region in a country):
its page shows the places above it, the places directly below it, the events
in it or anywhere below it with the role the place had (venue, area covered,
where participants came from), the actors based there, who runs it (for a
facility), the sources whose dateline names it, and a small map of it and
the places below it that have coordinates; each fact with its citations.
"""

from .actor_page import names_by_row
from .entity_citations import cite_page, entity_mentions, mentioned_in, names_over_time
from .page_queries import PLACE_CHAIN_SQL, allowed_values, first, ids_json, rank, row_id, rows

PLACE_SQL = """
    select locations.*, operator.name as operator_name, operator.kind as operator_kind
    from locations left join participants as operator on operator.id = locations.operator_id
    where locations.id = :id
"""
# The place and every place below it, each step down through the parent_id index.
PLACE_TREE_SQL = """
    with recursive tree as (
      select locations.*, 0 as depth from locations where locations.id = :id
      union all
      select locations.*, tree.depth + 1 from tree join locations on locations.parent_id = tree.id
    )
    select tree.*, operator.name as operator_name
    from tree left join participants as operator on operator.id = tree.operator_id
    order by tree.depth, tree.name, tree.id
"""
EVENTS_SQL = """
    select event_locations.event_id, event_locations.location_id, event_locations.role, event_locations.note,
      events.name as event_name, events.start_date, events.end_date, events.parent_id as event_parent_id,
      locations.name as location_name
    from json_each(:ids) as wanted
    cross join event_locations on event_locations.location_id = wanted.value
    cross join events on events.id = event_locations.event_id
    cross join locations on locations.id = event_locations.location_id
    order by events.start_date, events.id, event_locations.role
"""
BASED_SQL = """
    select participants.id, participants.name, participants.kind, participants.based_in_id,
      locations.name as based_in_name
    from json_each(:ids) as wanted
    cross join participants on participants.based_in_id = wanted.value
    cross join locations on locations.id = participants.based_in_id
    order by participants.name
"""
DATELINES_SQL = """
    select sources.id, sources.title, sources.published_date, source_datelines.position
    from source_datelines cross join sources on sources.id = source_datelines.source_id
    where source_datelines.location_id = :id order by sources.published_date, sources.id
"""
GEONAMES_URL = "https://www.geonames.org/{}"


async def gather_place(db, location_id, links):
    place = await first(db, PLACE_SQL, {"id": location_id})
    if place is None:
        return None
    tree = await rows(db, PLACE_TREE_SQL, {"id": location_id})
    ids = [node["id"] for node in tree]
    chain = await rows(db, PLACE_CHAIN_SQL, {"location_id": location_id})
    roles = await allowed_values(db, "event_locations", "role")
    events = await rows(db, EVENTS_SQL, {"ids": ids_json(ids)})
    events.sort(key=lambda row: (row["start_date"], row["event_id"], rank(roles, row["role"])))
    page = {
        "place": place,
        "title": place["name"],
        "chain": chain,
        "above": chain[1:],
        "below": [node for node in tree if node["parent_id"] == location_id],
        "tree": tree,
        "events": events,
        "based": await rows(db, BASED_SQL, {"ids": ids_json(ids)}),
        "datelines": await rows(db, DATELINES_SQL, {"id": location_id}),
        "mentions": await entity_mentions(db, "locations", location_id),
        "names": await names_by_row(db, "locations", [row["id"] for row in chain]),
        "geonames_url": GEONAMES_URL.format(place["geonames_id"]) if place["geonames_id"] else None,
        "map_markers": map_markers(tree, links),
    }
    await cite_place(db, page)
    return page


def map_markers(tree, links):
    """The place and the places below it that have coordinates, each linked to its page."""
    return [{"latitude": node["latitude"], "longitude": node["longitude"], "label": node["name"],
             "url": links.row("locations", node["id"])}
            for node in tree if node["latitude"] is not None and node["longitude"] is not None]


async def cite_place(db, page):
    location_id = page["place"]["id"]
    keys = [("locations", node["id"]) for node in page["tree"] + page["chain"]]
    keys += [("event_locations", event_location_id(row)) for row in page["events"]]
    keys += [("participants", row["id"]) for row in page["based"]]
    keys += [("source_datelines", row_id(row["id"], location_id)) for row in page["datelines"]]
    cites = await cite_page(db, page, keys)
    page["cites"] = cites("locations", location_id)
    for node in page["above"] + page["below"]:
        node["cites"] = cites("locations", node["id"])
    for row in page["events"]:
        row["cites"] = cites("event_locations", event_location_id(row))
    for row in page["based"]:
        row["cites"] = cites("participants", row["id"])
    for row in page["datelines"]:
        row["cites"] = cites("source_datelines", row_id(row["id"], location_id))
    page["names_over_time"] = names_over_time(page["mentions"], cites, "locations", location_id)
    page["mentioned_in"] = mentioned_in(page["mentions"], page["sources"])


def event_location_id(row):
    return row_id(row["event_id"], row["location_id"], row["role"])
