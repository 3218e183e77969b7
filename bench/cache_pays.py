#!/usr/bin/env python3
"""Does each cache of the site still pay? (issue 12: keep a cache only if it does)

    python bench/cache_pays.py DB [--requests 30] [--rounds 3]

Serves DB in process as `make serve` configures it and times table, row and
event pages with both caches on, with schema_cache off, and with facet_cache
off, in alternating rounds (ABCABC...), so that a change in the machine's load
hits every variant alike. A cache is turned off by putting back the
Datasette method patches.py wrapped (patches.ORIGINALS). Prints the median
milliseconds per request of each page and variant.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/antitrafficking/events",
    "/antitrafficking/event_participants.json",
    "/antitrafficking/event_participants",
    "/antitrafficking/participants.json?_size=50",
]


def site(db):
    from datasette.app import Datasette

    return Datasette(immutables=[str(db)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text()),
                     template_dir=str(ROOT / "templates"), settings=json.loads((ROOT / "settings.json").read_text()))


def variant(name):
    """Set Datasette's methods for one variant: "both caches", "no schema_cache", "no facet_cache"."""
    import datasette.app
    import datasette.database

    from antitrafficking_site import facet_cache, patches, schema_cache

    originals = patches.ORIGINALS
    Database, Datasette = datasette.database.Database, datasette.app.Datasette
    execute = patches.translated_errors(originals["datasette.database.Database.execute"])
    Database.execute = execute if name == "no facet_cache" else facet_cache.cached_execute(execute)
    for method in schema_cache.SCHEMA_QUESTIONS:
        original = originals[f"datasette.database.Database.{method}"]
        setattr(Database, method, original if name == "no schema_cache" else schema_cache.remembered(method, original))
    for attribute, wrapper in (("refresh_schemas", schema_cache.refresh_schemas_once),
                               ("_table_permission_allows", schema_cache.table_permission_once)):
        original = originals[f"datasette.app.Datasette.{attribute}"]
        setattr(Datasette, attribute, original if name == "no schema_cache" else wrapper(original))


async def time_pages(db, requests):
    ds = site(db)  # a new Datasette: no answers kept from another variant
    timings = {}
    for page in PAGES:
        response = await ds.client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        samples = []
        for _ in range(requests):
            start = time.perf_counter()
            await ds.client.get(page)
            samples.append((time.perf_counter() - start) * 1000)
        timings[page] = samples
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    asyncio.run(site(args.db).invoke_startup())  # applies patches.py
    variants = ["both caches", "no schema_cache", "no facet_cache"]
    samples = {name: {page: [] for page in PAGES} for name in variants}
    for _ in range(args.rounds):
        for name in variants:
            variant(name)
            for page, found in asyncio.run(time_pages(args.db, args.requests)).items():
                samples[name][page] += found
    variant("both caches")
    print("| page | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for page in PAGES:
        medians = [statistics.median(samples[name][page]) for name in variants]
        print(f"| {page} | " + " | ".join(f"{m:.1f} ms" for m in medians) + " |")


if __name__ == "__main__":
    main()
