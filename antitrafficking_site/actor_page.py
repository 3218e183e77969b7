"""The rows of an actor's page (/antitrafficking/participants/<id>).

An actor is an organisation, a named person, an office whose holder is not
named, an unnamed individual or a group. Its page says what the sources say
about it: its names over time, the posts and titles it held (memberships)
and those held in it, every event it took part in and in which role (with
the title it held then, from the participations view), its quotes, where it
is based, the organisation it is part of and those part of it, the places
it runs and the documents it wrote; each fact with its citations.
"""

from .entity_citations import cite_page, entity_mentions, mentioned_in, names_over_time
from .event_page import add_names_at_event
from .page_queries import NAMES_SQL, PLACE_CHAIN_SQL, first, ids_json, rows

ACTOR_SQL = """
    select participants.*, parent.name as parent_name, parent.kind as parent_kind
    from participants left join participants as parent on parent.id = participants.parent_id
    where participants.id = :id
"""
PARTS_SQL = "select id, name, kind from participants where parent_id = :id order by name"
# The posts the actor held, and those held in it when it is an organisation.
MEMBERSHIPS_SQL = """
    select memberships.*, organization.name as organization_name
    from memberships left join participants as organization on organization.id = memberships.organization_id
    where memberships.participant_id = :id
    order by memberships.start_date, memberships.title
"""
POSTS_IN_IT_SQL = """
    select memberships.*, holder.name as holder_name, holder.kind as holder_kind
    from memberships cross join participants as holder on holder.id = memberships.participant_id
    where memberships.organization_id = :id
    order by memberships.start_date, memberships.title
"""
# The participations on the page are the first LIST_LIMIT (an office can take part in
# thousands of events), with how many there are and where to browse them all.
LIST_LIMIT = 100

PARTICIPATIONS_SQL = """
    select participations.*, organization.name as title_organization_name
    from participations
    left join participants as organization on organization.id = participations.title_organization_id
    where participations.participant_id = :id
    order by participations.start_date, participations.event_id, participations.role limit :limit
"""
PARTICIPATIONS_COUNT_SQL = "select count(*) as n from event_participants where participant_id = :id"
QUOTES_SQL = """
    select quotes.*, events.name as event_name, events.start_date
    from quotes left join events on events.id = quotes.event_id
    where quotes.speaker_id = :id order by events.start_date, quotes.id
"""
OPERATED_SQL = "select id, name, kind from locations where operator_id = :id order by name"
AUTHORED_SQL = "select id, title, kind, years_as_written from documents where author_id = :id order by title"
ATTENDANCE_SQL = """
    select attendance.*, events.name as event_name, events.start_date
    from attendance cross join events on events.id = attendance.event_id
    where attendance.participant_id = :id order by events.start_date, attendance.id
"""


async def gather_actor(db, actor_id, links):
    actor = await first(db, ACTOR_SQL, {"id": actor_id})
    if actor is None:
        return None
    participations = await rows(db, PARTICIPATIONS_SQL, {"id": actor_id, "limit": LIST_LIMIT})
    memberships = await rows(db, MEMBERSHIPS_SQL, {"id": actor_id})
    page = {
        "actor": actor,
        "title": actor["name"],
        "based_in": await rows(db, PLACE_CHAIN_SQL, {"location_id": actor["based_in_id"]}),
        "parts": await rows(db, PARTS_SQL, {"id": actor_id}),
        "memberships": memberships,
        "posts_in_it": await rows(db, POSTS_IN_IT_SQL, {"id": actor_id}),
        "participations": participations,
        "participations_count": (await first(db, PARTICIPATIONS_COUNT_SQL, {"id": actor_id}))["n"],
        "all_participations_url": links.table("participations", participant_id=actor_id),
        "limit": LIST_LIMIT,
        "quotes": await rows(db, QUOTES_SQL, {"id": actor_id}),
        "operates": await rows(db, OPERATED_SQL, {"id": actor_id}),
        "authored": await rows(db, AUTHORED_SQL, {"id": actor_id}),
        "attendance": await rows(db, ATTENDANCE_SQL, {"id": actor_id}),
        "mentions": await entity_mentions(db, "participants", actor_id),
    }
    # Every name of the actor and of the organisations of its titles, for the
    # name it had at each event and for alternateName (as on the event page).
    organizations = {row["organization_id"] for row in memberships if row["organization_id"]}
    organizations |= {row["title_organization_id"] for row in participations if row["title_organization_id"]}
    page["names"] = await names_by_row(db, "participants", {actor_id} | organizations)
    add_names_at_event(participations, page["names"])
    await cite_actor(db, page)
    return page


async def names_by_row(db, table, ids):
    """{(table, id): [name rows]}, the shape event_json_ld.alternate_names reads."""
    found = {}
    for row in await rows(db, NAMES_SQL, {"table": table, "ids": ids_json(sorted(ids))}):
        found.setdefault((table, row["row_id"]), []).append(row)
    return found


async def cite_actor(db, page):
    actor_id = page["actor"]["id"]
    keys = [("participants", actor_id)]
    keys += [("memberships", row["id"]) for row in page["memberships"] + page["posts_in_it"]]
    keys += [("event_participants", row["row_id"]) for row in page["participations"]]
    keys += [("quotes", row["id"]) for row in page["quotes"]]
    keys += [("locations", row["id"]) for row in page["operates"]]
    keys += [("documents", row["id"]) for row in page["authored"]]
    keys += [("attendance", row["id"]) for row in page["attendance"]]
    cites = await cite_page(db, page, keys)
    page["cites"] = cites("participants", actor_id)
    for row in page["memberships"] + page["posts_in_it"]:
        row["cites"] = cites("memberships", row["id"])
    for row in page["participations"]:
        row["cites"] = cites("event_participants", row["row_id"])
        row["title_cites"] = cites("memberships", row["title_membership_id"], row["title_source_id"]) \
            if row["title_membership_id"] else []
    for table, items in [("quotes", page["quotes"]), ("locations", page["operates"]),
                         ("documents", page["authored"]), ("attendance", page["attendance"])]:
        for row in items:
            row["cites"] = cites(table, row["id"])
    page["names_over_time"] = names_over_time(page["mentions"], cites, "participants", actor_id)
    page["mentioned_in"] = mentioned_in(page["mentions"], page["sources"])
