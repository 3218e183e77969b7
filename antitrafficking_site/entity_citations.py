"""Citations and names for the entity pages, made the event page's way.

Every fact on an entity page is a row; its citations are the numbered
sources that mention that row (event_page.cited_sources), and the page ends
with those sources and the passages it cites from each.
The names an entity goes by come from the entity_mentions view: one row per
source and name, with the kind and years of use the source gives.
"""

from .event_page import cited_sources
from .page_queries import rows

# entity_mentions answers a filter on (table_name, row_id) through the
# mentions and names primary keys (tests/test_query_plans.py).
ENTITY_MENTIONS_SQL = """
    select source_id, source_title, published_date, name_in_source, name_kind,
      used_from_year, used_until_year, evidence
    from entity_mentions where table_name = :table and row_id = :id
    order by published_date, source_id, name_in_source
"""


async def cite_page(db, page, keys):
    """Number the sources behind `keys` ((table, row_id) of every row the page shows), put them
    in page["sources"] with the passages the page cites, and return cites(table, row_id, source_id=None).
    An entity can have many sources: the page quotes their passages, and each source's own
    page shows its whole text with them marked."""
    found, sources, cites = await cited_sources(db, sorted(set(keys)))
    page["sources"] = [{"id": source["id"], "title": source["title"], "publisher": source["publisher"],
                        "published_date": source["published_date"], "number": number,
                        "passages": passages_of(found, source["id"])}
                       for number, source in enumerate(sources, 1)]
    return cites


def passages_of(found, source_id):
    """The distinct passages of one source among the mentions found, in the order of the rows."""
    passages = [m["evidence"] for key in sorted(found) for m in found[key] if m["source_id"] == source_id]
    return list(dict.fromkeys(passages))


async def entity_mentions(db, table, row_id):
    return await rows(db, ENTITY_MENTIONS_SQL, {"table": table, "id": row_id})


def names_over_time(mentions, cites, table, row_id):
    """Each name the sources give the entity once: its kinds, the years it was in use
    (where a source says) and the sources that give it, oldest use first."""
    names = {}
    for row in mentions:
        if not row["name_in_source"]:
            continue  # the passage describes the entity without naming it
        name = names.setdefault(row["name_in_source"], {"name": row["name_in_source"], "kinds": [],
                                                        "from_year": None, "until_year": None, "cites": []})
        if row["name_kind"] not in name["kinds"]:
            name["kinds"].append(row["name_kind"])
        name["from_year"] = name["from_year"] or row["used_from_year"]
        name["until_year"] = name["until_year"] or row["used_until_year"]
        for cite in cites(table, row_id, row["source_id"]):
            if cite not in name["cites"]:
                name["cites"].append(cite)
    # "as written" says only that a passage writes it: a kind a source states says more.
    for name in names.values():
        if len(name["kinds"]) > 1 and "as written" in name["kinds"]:
            name["kinds"].remove("as written")
    return sorted(names.values(), key=lambda name: (name["from_year"] or 0, name["until_year"] or 9999, name["name"]))


def mentioned_in(mentions, sources):
    """Each numbered source that mentions the entity, with the names it writes there."""
    by_source = {source["id"]: {**source, "names": []} for source in sources}
    for row in mentions:
        names = by_source[row["source_id"]]["names"]
        if row["name_in_source"] and row["name_in_source"] not in names:
            names.append(row["name_in_source"])
    mentioning = {row["source_id"] for row in mentions}
    return [by_source[source["id"]] for source in sources if source["id"] in mentioning]
