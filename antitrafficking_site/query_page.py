"""The canned questions' pages (templates/query-antitrafficking*.html): pickers
for parameters with few values (query_pickers), and for `search` what its
results template needs (search_results).
"""

from datasette import hookimpl

from . import query_pickers, search_results


@hookimpl
def extra_template_vars(template, database, request, datasette):
    if template.startswith("query-") and request is not None and "table" in request.url_vars:
        return canned_query_vars(datasette, database, request.url_vars["table"], request)
    return {}


def canned_query_vars(datasette, database, name, request):
    async def inner():
        query = await datasette.get_canned_query(database, name, request.actor)
        if query is None:
            return {}
        found = {"query_pickers": await query_pickers.pickers(datasette, database, query["sql"])}
        if name == "search":
            found.update(search_results.search_page_vars(datasette, database))
        return found

    return inner
