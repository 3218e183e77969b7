"""The entity row pages as readable pages, with schema.org JSON-LD of their type.

For the row pages of actors (participants), places (locations), sources,
topics, documents and series, this plugin gathers with a few indexed queries
what templates/row-antitrafficking-<table>.html shows, the way event_page
does for events: one module per kind of page gathers its rows and cites each
fact (actor_page, place_page, source_page, catalogue_pages, with
entity_citations), entity_json_ld makes the JSON-LD; the six templates extend
templates/_entity_page.html (the skeleton) and share templates/_entity_macros.html
(the pieces, the map from templates/_map.html). Each list a page shows is bounded
(each module's LIST_LIMIT), with how many rows there are and a link to where all of
them can be browsed; the JSON-LD and the map show the same rows. Links and JSON-LD URLs come from
site_origin.Links (the configured site_url, never the Host header).
"""

from datasette import hookimpl
from datasette.utils import tilde_decode

from . import entity_json_ld
from .actor_page import gather_actor
from .catalogue_pages import gather_document, gather_series, gather_topic
from .page_queries import safe_json
from .site_origin import Links
from .place_page import gather_place
from .source_page import gather_source

# table: (gather(db, id, links) -> page or None, json_ld(page, links))
PAGES = {
    "participants": (gather_actor, entity_json_ld.actor_json_ld),
    "locations": (gather_place, entity_json_ld.place_json_ld),
    "sources": (gather_source, entity_json_ld.source_json_ld),
    "topics": (gather_topic, entity_json_ld.topic_json_ld),
    "documents": (gather_document, entity_json_ld.document_json_ld),
    "series": (gather_series, entity_json_ld.series_json_ld),
}


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table not in PAGES or request is None:
        return {}

    async def entity_vars():
        gather, json_ld = PAGES[table]
        links = Links(datasette, database)
        # Each of these tables has one key column, so the URL's key is the id.
        page = await gather(datasette.get_database(database), tilde_decode(request.url_vars["pks"]), links)
        if page is None:
            return {}
        page["links"] = links
        page["json_ld"] = safe_json(json_ld(page, links), indent=2)
        if "map_markers" in page:
            page["map_markers"] = safe_json(page["map_markers"])
        return {"entity_page": page}

    return entity_vars
