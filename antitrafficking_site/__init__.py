"""The site's Datasette plugins, one concern per module.

Datasette loads each module listed under [project.entry-points.datasette] in
pyproject.toml once per process (`pip install -e .` registers them):

Keeping the public site up and fair:
    sql_limits          prepare_connection: SQLite limits, call budget, result budget, stand-in functions
    fair_sql            asgi_wrapper: visitors' own SQL never takes every SQL thread; bytes sent bounded
    bad_requests        asgi_wrapper, handle_exception: bad parameters answer 400, writes 405
    csv_safety          asgi_wrapper: formula cells neutralised in CSV, a failed export is not an empty 200
    security_headers    asgi_wrapper: security headers, no redirect off the site
    site_origin         asgi_wrapper, startup: every absolute URL from the configured site_url, never Host
    startup_check       startup, asgi_wrapper: refuse a damaged database, pin it, guard its download
    facet_cache         asgi_wrapper: marks table pages whose facet and count results may be kept
    patches             the only module that patches Datasette internals (facet_cache,
                        schema_cache, error reporting, time limit): each patch listed with its reason

Pages for readers:
    home_page           extra_template_vars: the home page and the database page
    query_page          extra_template_vars: the canned questions' pickers and search results
    event_page          extra_template_vars, startup: the event page's rows and JSON-LD
    entity_page         extra_template_vars: the pages of actors, places, sources, topics, documents, series
    changes_page        startup, extra_template_vars: /changes, the release manifests
    cite_block          startup, extra_template_vars: "cite this" on every page
    id_links            render_cell: ids in query results as links to their pages
    data_dictionary     get_metadata: the data package's descriptions, from the database

Reuse:
    reconcile_services  get_metadata: OpenRefine reconciliation services for actors and places
    absolute_urls       prepare_connection: site_url(path) for SQL (the Atom feed's links)

The others hold no hooks; the modules above use them: call_budget,
result_budget, safe_functions (sql_limits), schema_cache (patches), page_queries
(the pages),
event_json_ld, passages (event_page), actor_page, place_page, source_page,
catalogue_pages, entity_json_ld, entity_citations (entity_page), query_pickers, search_results (query_page), config, responses.
"""
