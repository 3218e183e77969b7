"""schema.org JSON-LD for the event page, from the rows event_page gathered.

Absolute URLs come from `links` (event_page.Links: the configured site_url,
never the request's Host header).
"""

# schema.org's EventStatusType has no "held": its EventScheduled means "the event is
# taking place or has taken place on the startDate as scheduled", which covers an
# event planned, under way or held on its dates. Only a cancellation differs.
# Postponed or rescheduled events are not statuses of the data; an unknown
# status gets no eventStatus rather than a guess.
EVENT_STATUS = {
    "planned": "https://schema.org/EventScheduled",
    "ongoing": "https://schema.org/EventScheduled",
    "held": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
}
# Which Event property a role fills. Organisers organise; a supporter ("with the
# support of") sponsors; speakers and trainers present (schema.org: "a performer at
# the event, for example a presenter"). Someone only quoted is not said to have been
# there: no property. Every other role is someone present: an attendee. Every
# role of the data package is listed (tests/test_event_json_ld.py), so that a new
# one is decided here rather than taken for an attendee unseen.
ROLE_PROPERTY = {"organizer": "organizer", "co-organizer": "organizer", "supporter": "sponsor",
                 "speaker": "performer", "trainer": "performer", "quoted": None,
                 **{role: "attendee" for role in ("host", "chair", "opened", "trainee", "participant", "visitor",
                                                  "accompanied", "met")}}
# A document kind's schema.org type; plans and the rest are CreativeWorks.
DOCUMENT_TYPES = {"report": "Report", "study": "Report", "law": "Legislation",
                  "plan": "CreativeWork", "draft plan": "CreativeWork", "other": "CreativeWork"}


def wikidata_url(wikidata_id):
    return f"https://www.wikidata.org/wiki/{wikidata_id}" if wikidata_id else None


def alternate_names(page, table, row_id, name):
    return sorted({row["name"] for row in page["names"].get((table, row_id), []) if row["name"] != name})


def agent(row, page, links):
    """A participant as of the event. People and offices are Persons; an office's
    holder is unnamed, so the Person has a jobTitle and no made-up name. A group
    (several people or organisations described together) has no schema.org type:
    Organization would claim that one organisation exists, Person that one person did."""
    kind = row["participant_kind"]
    thing = {"@type": {"person": "Person", "office": "Person", "individual": "Person",
                       "organization": "Organization"}.get(kind)}
    thing["url"] = links.absolute_row("participants", row["participant_id"])
    if kind in ("person", "organization", "group"):
        thing["name"] = row["name_at_event"]
        others = alternate_names(page, "participants", row["participant_id"], row["name_at_event"])
        if others:
            thing["alternateName"] = others
    if kind == "individual":  # the text describes the person without naming them
        thing["description"] = row["participant_name"]
    if thing["@type"] == "Person":
        add_post(thing, row, links)
    if row.get("wikidata_id"):
        thing["sameAs"] = wikidata_url(row["wikidata_id"])
    return {key: value for key, value in thing.items() if value is not None}


def add_post(person, row, links):
    """jobTitle as of the event (from memberships); an office without one is its own post."""
    title = row["title_at_event"] or (row["participant_name"] if row["participant_kind"] == "office" else None)
    if title:
        person["jobTitle"] = title
    if row["honorific_at_event"]:
        person["honorificPrefix"] = row["honorific_at_event"]
    if row["title_organization_id"]:
        person["worksFor"] = {"@type": "Organization", "name": row["title_organization_name"],
                              "url": links.absolute_row("participants", row["title_organization_id"])}


def place_ld(chain, page, links):
    """A place as a schema.org Place, nested in the places that contain it, with a postal address."""
    result = None
    for row in reversed(chain):  # from the country down to the place itself
        thing = {"@type": "Place", "name": row["name"], "url": links.absolute_row("locations", row["id"])}
        others = alternate_names(page, "locations", row["id"], row["name"])
        if others:
            thing["alternateName"] = others
        if row["latitude"] is not None:
            thing["geo"] = {"@type": "GeoCoordinates", "latitude": row["latitude"], "longitude": row["longitude"]}
        if row["wikidata_id"]:
            thing["sameAs"] = wikidata_url(row["wikidata_id"])
        if result:
            thing["containedInPlace"] = result
        result = thing
    address = postal_address(chain)
    if address:
        result["address"] = address
    return result


def postal_address(chain):
    """addressLocality, addressRegion and addressCountry from the place hierarchy."""
    parts = {"city": "addressLocality", "region": "addressRegion", "country": "addressCountry"}
    address = {}
    for row in chain:  # nearest first: a facility's locality is its city
        part = parts.get(row["kind"])
        if part and part not in address:
            address[part] = row["name"]
    return {"@type": "PostalAddress", **address} if address else None


def one_or_list(items):
    return items[0] if len(items) == 1 else items


def event_ld(event, status, places, participations, page, links):
    """The schema.org properties one event (the page's or a sub-event) has on its own."""
    data = {"@type": "Event", "name": event["name"], "url": links.absolute_row("events", event["id"]),
            "startDate": event["start_date"], "endDate": event["end_date"]}
    if status and EVENT_STATUS.get(status["status"]):
        data["eventStatus"] = EVENT_STATUS[status["status"]]
    venues = [place_ld(p["chain"], page, links) for p in places if p["role"] == "venue"]
    if venues:
        data["location"] = one_or_list(venues)
        # A venue is a place where the sources say the event was held, so people met
        # there. Without one the sources do not say (it may have been online): no mode.
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
    areas = [place_ld(p["chain"], page, links) for p in places if p["role"] == "area"]
    if areas:  # the area an event is about is not where it took place
        data["about"] = one_or_list(areas)
    for row in participations:
        prop = ROLE_PROPERTY.get(row["role"], "attendee")
        if prop and row["event_id"] == event["id"]:
            data.setdefault(prop, [])
            agent_ld = agent(row, page, links)
            if agent_ld not in data[prop]:
                data[prop].append(agent_ld)
    return data


def event_json_ld(page, links):
    event = page["event"]
    data = {"@context": "https://schema.org", "@id": links.absolute_row("events", event["id"]),
            **event_ld(event, page["status"], page["places"], page["participations"], page, links),
            "description": event["description"]}
    supers = []
    if page["parent"]:
        supers.append({"@type": "Event", "name": page["parent"]["name"],
                       "url": links.absolute_row("events", page["parent"]["id"])})
    if page["series"]:
        supers.append({"@type": "EventSeries", "name": page["series"]["name"],
                       "url": links.absolute_row("series", page["series"]["id"])})
    if supers:
        data["superEvent"] = one_or_list(supers)
    if page["sub_events"]:
        data["subEvent"] = [event_ld(sub, sub["status"], sub["places"], page["participations"], page, links)
                            for sub in page["sub_events"]]
    if page["documents"]:
        data["workFeatured"] = [document_ld(doc, links) for doc in page["documents"]]
    return data


def document_ld(doc, links):
    thing = {"@type": DOCUMENT_TYPES.get(doc["kind"], "CreativeWork"), "name": doc["title"],
             "url": links.absolute_row("documents", doc["id"])}
    if doc["author_id"]:
        thing["author"] = {"name": doc["author_name"], "url": links.absolute_row("participants", doc["author_id"])}
    return thing
