"""The site's Datasette plugins, one concern per module.

Datasette loads each module listed under [project.entry-points.datasette] in
pyproject.toml once per process (`pip install -e .` registers them):

    sql_limits        prepare_connection: SQLite limits, call budget, result budget, stand-in functions
    fair_sql          asgi_wrapper: visitors' own SQL never takes every SQL thread; bytes sent bounded
    bad_requests      asgi_wrapper, handle_exception: bad parameters answer 400, writes 405
    csv_safety        asgi_wrapper: formula cells neutralised in CSV, a failed export is not an empty 200
    security_headers  asgi_wrapper: security headers, no redirect off the site
    startup_check     startup, asgi_wrapper: refuse a damaged database, pin it, guard its download
    facet_cache       asgi_wrapper: marks table pages whose facet and count results may be kept
    data_dictionary   get_metadata: the data package's descriptions, from the database
    event_page        extra_template_vars, startup: the event page's rows and JSON-LD
    patches           the only module that patches Datasette internals (facet_cache,
                      schema_cache, error reporting, time limit): each patch listed with its reason

The others hold no hooks; the modules above use them: call_budget,
result_budget, safe_functions (for sql_limits), schema_cache (for patches),
event_json_ld and passages (for event_page), config, responses.
"""
