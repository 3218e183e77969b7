"""schema.org JSON-LD for the entity pages, from the rows their modules gathered.

Made with event_json_ld's pieces, so that an actor, a place or a document is
described alike on its own page and on an event's: agent() types actors
(an office's holder is a Person with a jobTitle and no made-up name; a group
gets no type), place_ld() nests a place in the places containing it with a
postal address, document_ld() types a document (event_json_ld.DOCUMENT_TYPES). Absolute URLs come from
`links` (event_page.Links: the configured site_url, never the Host header).
"""

import json

from .event_json_ld import agent, document_ld, one_or_list, place_ld, wikidata_url

CONTEXT = "https://schema.org"


def event_summary(event, links):
    thing = {"@type": "Event", "name": event.get("name") or event.get("event_name"),
             "url": links.absolute_row("events", event.get("id") or event.get("event_id")),
             "startDate": event["start_date"]}
    if event.get("end_date"):
        thing["endDate"] = event["end_date"]
    return thing


def unique(items):
    """The items (strings or JSON-LD dicts) each once, in their order: one pass, keyed by their JSON."""
    seen = set()
    kept = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def actor_json_ld(page, links):
    actor = page["actor"]
    # agent() reads a participation; the actor's own page is not as of one event.
    as_participation = {"participant_kind": actor["kind"], "participant_id": actor["id"],
                        "participant_name": actor["name"], "name_at_event": actor["name"],
                        "title_at_event": None, "honorific_at_event": None, "title_organization_id": None,
                        "wikidata_id": actor["wikidata_id"]}
    data = {"@context": CONTEXT, "@id": links.absolute_row("participants", actor["id"]),
            **agent(as_participation, page, links)}
    place = place_ld(page["based_in"], page, links) if page["based_in"] else None
    if data.get("@type") == "Person":
        add_posts(data, page, links)
        if place:  # where an office or person is based is where they work
            data["workLocation"] = place
    elif data.get("@type") == "Organization":
        if actor["parent_id"]:
            data["parentOrganization"] = {"@type": type_of(actor["parent_kind"]), "name": actor["parent_name"],
                                          "url": links.absolute_row("participants", actor["parent_id"])}
        parts = [{"@type": "Organization", "name": part["name"], "url": links.absolute_row("participants", part["id"])}
                 for part in page["parts"] if part["kind"] == "organization"]
        if parts:
            data["subOrganization"] = one_or_list(parts)
        if place:
            data["location"] = place
    return without_empty(data)


def without_empty(data):
    return {key: value for key, value in data.items() if value is not None}


def type_of(kind):
    return {"organization": "Organization", "person": "Person", "office": "Person", "individual": "Person"}.get(kind)


def add_posts(person, page, links):
    """Every title the sources give the person (jobTitle) and the organisations they are in (worksFor)."""
    titles = unique([row["title"] for row in page["memberships"] if row["title"]])
    if titles:
        person["jobTitle"] = one_or_list(titles)
    honorifics = unique([row["honorific"] for row in page["memberships"] if row["honorific"]])
    if honorifics:
        person["honorificPrefix"] = one_or_list(honorifics)
    employers = unique([{"@type": "Organization", "name": row["organization_name"],
                         "url": links.absolute_row("participants", row["organization_id"])}
                        for row in page["memberships"] if row["organization_id"]])
    if employers:
        person["worksFor"] = one_or_list(employers)


def place_json_ld(page, links):
    place = page["place"]
    data = {"@context": CONTEXT, "@id": links.absolute_row("locations", place["id"]),
            **place_ld(page["chain"], page, links)}
    same_as = [url for url in (wikidata_url(place["wikidata_id"]), page["geonames_url"]) if url]
    if same_as:
        data["sameAs"] = one_or_list(same_as)
    if page["below"]:
        data["containsPlace"] = [{"@type": "Place", "name": node["name"], "url": links.absolute_row("locations", node["id"])}
                                 for node in page["below"]]
    events = unique([event_summary(row, links) for row in page["events"]])
    if events:
        data["event"] = events
    return data


def source_json_ld(page, links):
    """A press release is a CreativeWork, not a NewsArticle: schema.org's NewsArticle is
    journalism ("an article whose content reports news"), with a news outlet as its
    publisher; a release is the organisation's own statement about its own work, and
    typing it NewsArticle would tell search engines that a news outlet reported it.
    genre says what kind of work it is."""
    source = page["source"]
    data = {"@context": CONTEXT, "@type": "CreativeWork", "@id": links.absolute_row("sources", source["id"]),
            "name": source["title"], "headline": source["title"], "genre": source["document_type"],
            "datePublished": source["published_date"], "inLanguage": source["language"],
            "publisher": {"@type": "Organization", "name": source["publisher"]},
            # The work's own address where it is known; else the page that shows it.
            "url": page["original_url"] or links.absolute_row("sources", source["id"])}
    events = unique([{"@type": "Event", "name": item["name"], "url": links.origin + item["url"]}
                     for item in page["pages"] if item["table"] == "events"])
    if events:
        data["about"] = one_or_list(events)
    if page["datelines"]:
        data["locationCreated"] = one_or_list([{"@type": "Place", "name": row["name"],
                                                "url": links.absolute_row("locations", row["id"])}
                                               for row in page["datelines"]])
    return data


def topic_json_ld(page, links):
    """A topic is a DefinedTerm: schema.org's type for "a word, name, acronym, phrase, etc.
    with a formal definition", here a named subject with its description, one of the
    dataset's list of topics (a DefinedTermSet) that events are classed by. It is not
    a CreativeWork nor an Event, and Thing alone would say less; the events that dealt
    with it are its subjectOf ("an Event about this Thing")."""
    topic = page["entity"]
    data = {"@context": CONTEXT, "@type": "DefinedTerm", "@id": links.absolute_row("topics", topic["id"]),
            "name": topic["name"], "description": topic["description"],
            "url": links.absolute_row("topics", topic["id"]),
            "inDefinedTermSet": {"@type": "DefinedTermSet", "name": "Topics",
                                 "url": links.origin + links.datasette.urls.table(links.database, "topics")}}
    return with_events(without_empty(data), page, links)


def document_json_ld(page, links):
    document = page["entity"]
    data = {"@context": CONTEXT, "@id": links.absolute_row("documents", document["id"]),
            **document_ld(document, links)}
    if document["author_id"] and type_of(document["author_kind"]):
        data["author"] = {"@type": type_of(document["author_kind"]), **data["author"]}
    return with_events(data, page, links)


def with_events(data, page, links):
    events = [event_summary(event, links) for event in page["events"]]
    if events:
        data["subjectOf"] = unique(events)
    return data


def series_json_ld(page, links):
    series = page["entity"]
    data = {"@context": CONTEXT, "@type": "EventSeries", "@id": links.absolute_row("series", series["id"]),
            "name": series["name"], "description": series["description"],
            "url": links.absolute_row("series", series["id"])}
    if page["events"]:
        data["subEvent"] = [event_summary(event, links) for event in page["events"]]
    return without_empty(data)
