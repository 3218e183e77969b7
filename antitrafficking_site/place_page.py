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
from .page_queries import PLACE_CHAIN_SQL, allowed_values, first, rank, row_id, rows

# Each list of the page holds at most LIST_LIMIT rows (a country has every
# place, event and actor below it), with how many there are in all and where
# the rest can be browsed; the map and the JSON-LD show the same rows. 50, not
# the other pages' 100: the page has four such lists, each row with its
# citations: the biggest synthetic place's page was 240 KB at 100, near the
# 256 KB past which ?_trace=1 adds no trace (tests/test_query_plans.py reads it).
LIST_LIMIT = 50

PLACE_SQL = """
    select locations.*, operator.name as operator_name, operator.kind as operator_kind
    from locations left join participants as operator on operator.id = locations.operator_id
    where locations.id = :id
"""
# The place and every place below it, each step down through the parent_id index.
SUBTREE_CTE = """
    with recursive tree(id) as (
      select :id
      union all
      select locations.id from tree cross join locations on locations.parent_id = tree.id
    )
"""
# The place and the nearest places below it, for the map: breadth first, and the
# recursion stops at :limit rows (ORDER BY and LIMIT in the recursive CTE).
NEAREST_SQL = """
    with recursive tree(id, depth) as (
      select :id, 0
      union all
      select locations.id, tree.depth + 1 from tree cross join locations on locations.parent_id = tree.id
      order by 2 limit :limit
    )
    select locations.id, locations.name, locations.latitude, locations.longitude
    from tree cross join locations on locations.id = tree.id
    order by tree.depth, locations.name, locations.id
"""
BELOW_SQL = """
    select locations.*, operator.name as operator_name
    from locations left join participants as operator on operator.id = locations.operator_id
    where locations.parent_id = :id
    order by locations.name, locations.id limit :limit
"""
# How many rows each list has in all, through the same indexes (the CTE is read once).
COUNTS_SQL = SUBTREE_CTE + """
    select (select count(*) from tree) - 1 as places,
      (select count(*) from locations where parent_id = :id) as below,
      (select count(*) from tree cross join event_locations on event_locations.location_id = tree.id) as events,
      (select count(*) from tree cross join participants on participants.based_in_id = tree.id) as based,
      (select count(*) from source_datelines where location_id = :id) as datelines
"""
EVENTS_SQL = SUBTREE_CTE + """
    select event_locations.event_id, event_locations.location_id, event_locations.role, event_locations.note,
      events.name as event_name, events.start_date, events.end_date, events.parent_id as event_parent_id,
      locations.name as location_name
    from tree
    cross join event_locations on event_locations.location_id = tree.id
    cross join events on events.id = event_locations.event_id
    cross join locations on locations.id = event_locations.location_id
    order by events.start_date, events.id, event_locations.role limit :limit
"""
BASED_SQL = SUBTREE_CTE + """
    select participants.id, participants.name, participants.kind, participants.based_in_id,
      locations.name as based_in_name
    from tree
    cross join participants on participants.based_in_id = tree.id
    cross join locations on locations.id = participants.based_in_id
    order by participants.name, participants.id limit :limit
"""
DATELINES_SQL = """
    select sources.id, sources.title, sources.published_date, source_datelines.position
    from source_datelines cross join sources on sources.id = source_datelines.source_id
    where source_datelines.location_id = :id order by sources.published_date, sources.id limit :limit
"""
GEONAMES_URL = "https://www.geonames.org/{}"


async def gather_place(db, location_id, links):
    place = await first(db, PLACE_SQL, {"id": location_id})
    if place is None:
        return None
    bounded = {"id": location_id, "limit": LIST_LIMIT}
    chain = await rows(db, PLACE_CHAIN_SQL, {"location_id": location_id})
    roles = await allowed_values(db, "event_locations", "role")
    events = await rows(db, EVENTS_SQL, bounded)
    events.sort(key=lambda row: (row["start_date"], row["event_id"], rank(roles, row["role"])))
    # The place itself and LIST_LIMIT places below it.
    nearest = await rows(db, NEAREST_SQL, {"id": location_id, "limit": LIST_LIMIT + 1})
    page = {
        "place": place,
        "title": place["name"],
        "chain": chain,
        "above": chain[1:],
        "below": await rows(db, BELOW_SQL, bounded),
        "events": events,
        "based": await rows(db, BASED_SQL, bounded),
        "datelines": await rows(db, DATELINES_SQL, bounded),
        "mentions": await entity_mentions(db, "locations", location_id),
        "names": await names_by_row(db, "locations", [row["id"] for row in chain]),
        "geonames_url": GEONAMES_URL.format(place["geonames_id"]) if place["geonames_id"] else None,
        "map_markers": map_markers(nearest, links),
        "mapped_places": len(nearest) - 1,
        "limit": LIST_LIMIT,
        "counts": await first(db, COUNTS_SQL, {"id": location_id}),
        # Where the rest of each list can be browsed.
        "all_urls": {
            "below": links.table("locations", parent_id=location_id),
            "activity": links.query("place_activity", location_id=location_id),
            "datelines": links.table("source_datelines", location_id=location_id),
        },
    }
    await cite_place(db, page)
    return page


def map_markers(places, links):
    """The place and the places below it that have coordinates, each linked to its page."""
    return [{"latitude": node["latitude"], "longitude": node["longitude"], "label": node["name"],
             "url": links.row("locations", node["id"])}
            for node in places if node["latitude"] is not None and node["longitude"] is not None]


async def cite_place(db, page):
    location_id = page["place"]["id"]
    keys = [("locations", node["id"]) for node in page["chain"] + page["below"]]
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
