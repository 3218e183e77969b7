"""Fair under hostile load (issue 12): visitor-written SQL, in every spelling,
never takes every SQL thread, while tables, rows, canned queries and the
event page keep answering; every response is bounded in the bytes it sends.
The protections are in antitrafficking_site/fair_sql.py and result_budget.py; the
timed load run is bench/load_mixed.py --bombs 0,3,10 (`make load`).

Correctness only: no test here measures a duration."""

import asyncio
import csv
import io
import json
import shutil
import urllib.parse

import markupsafe
import pytest

from antitrafficking_site import fair_sql, result_budget
from datasette.app import Datasette
from datasette.utils import CustomJSONEncoder
from datasette.utils.asgi import Request

from conftest import ROOT, metadata, settings
from local_server import serving

CTE = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
EMOJI = ("select printf('%.*c', 49999, char(128512)) "
         "from participants a, participants b, participants c limit 640")
EVENT = "khujand-anti-trafficking-consultations-2011"
PARTICIPANT = "osce"
QUOTED_CTE = urllib.parse.quote(CTE)

# Every way a visitor's own SQL gets in, each as the server reads it.
VISITOR_SQL = {
    "?sql=": f"/antitrafficking.json?sql={QUOTED_CTE}",
    "?%73ql= (percent-encoded key)": f"/antitrafficking.json?%73ql={QUOTED_CTE}",
    "?s%71l=": f"/antitrafficking.json?s%71l={QUOTED_CTE}",
    "repeated key, the first empty": f"/antitrafficking.json?sql=&sql={QUOTED_CTE}",
    "the SQL editor (HTML)": f"/antitrafficking?sql={QUOTED_CTE}",
    "CSV": f"/antitrafficking.csv?sql={QUOTED_CTE}",
    "table.json?_where=": "/antitrafficking/participants.json?_where=" + urllib.parse.quote(f"({CTE}) > 0"),
    "view?_where=": "/antitrafficking/participations?_where=" + urllib.parse.quote(f"({CTE}) > 0"),
    "raw full-text expression": "/antitrafficking/participants.json?_search=osce&_searchmode=raw",
}
# Pages that must keep answering, and that are never counted.
PAGES = {
    "table page": "/antitrafficking/participants.json?kind=person",
    "table page with a facet": "/antitrafficking/event_participants?_facet=role",
    "row page": f"/antitrafficking/participants/{PARTICIPANT}",
    "the event page": f"/antitrafficking/events/{EVENT}",
    "canned query": f"/antitrafficking/event_roles.json?event_id={EVENT}",
    "canned query (HTML)": f"/antitrafficking/participant_profile?participant_id={PARTICIPANT}",
    "canned search": "/antitrafficking/search.json?q=shelter",
    "escaped full-text search": "/antitrafficking/participants.json?_search=osce",
}


def site(db, **fair_sql):
    """The site as `make serve` configures it, with `plugins: fair_sql:` set to `fair_sql`."""
    config = metadata()
    config.setdefault("plugins", {})["fair_sql"] = fair_sql
    return Datasette(immutables=[str(db)], metadata=config, 
                     template_dir=str(ROOT / "templates"), settings=settings())


@pytest.fixture(scope="module")
def served_db(built_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("fair") / "antitrafficking.db"
    shutil.copyfile(built_db, path)
    return path


@pytest.fixture(scope="module")
def one_slot(served_db):
    """One visitor query at a time, none waiting."""
    return site(served_db, max_concurrent=1, queue=0)


def args(target):
    path, _, query = target.partition("?")
    return Request({"type": "http", "path": path, "query_string": query.encode("latin-1"), "headers": []}, None).args


# -- what counts as visitor SQL ------------------------------------------------------------

@pytest.mark.parametrize("target", VISITOR_SQL.values(), ids=VISITOR_SQL.keys())
def test_visitor_sql_is_recognised_in_every_spelling(target):
    assert fair_sql.visitor_sql(args(target)) is not None


@pytest.mark.parametrize("target", [*PAGES.values(), "/antitrafficking.json?sql=", "/antitrafficking?sqlx=1",
                                    "/antitrafficking/participants.json?_sort=name&_col=name&name__contains=a"],
                         ids=[*PAGES.keys(), "empty sql", "another key", "sort, columns and filters"])
def test_pages_and_canned_queries_are_not_visitor_sql(target):
    assert fair_sql.visitor_sql(args(target)) is None


# -- the limit -------------------------------------------------------------------------------

async def hold_the_slot(ds):
    pool = fair_sql.slots(ds)
    assert await pool.acquire(0)
    assert pool.active == pool.limit == 1
    return pool


@pytest.mark.parametrize("target", VISITOR_SQL.values(), ids=VISITOR_SQL.keys())
async def test_visitor_sql_beyond_the_limit_answers_503_with_retry_after(one_slot, target):
    pool = await hold_the_slot(one_slot)
    try:
        response = await one_slot.client.get(target)
    finally:
        pool.release()
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "Too many SQL queries at once" in response.text
    if target.split("?")[0].endswith(".json"):
        assert response.json()["error"].startswith("Too many SQL queries at once")
    assert pool.active == 0


@pytest.mark.parametrize("target", PAGES.values(), ids=PAGES.keys())
async def test_pages_and_canned_queries_answer_while_the_limit_is_reached(one_slot, target):
    pool = await hold_the_slot(one_slot)
    try:
        response = await one_slot.client.get(target)
    finally:
        pool.release()
    assert response.status_code == 200


async def test_a_second_running_ad_hoc_query_gets_503_and_pages_still_answer(one_slot):
    """End to end: a real one-second query holds the only slot."""
    pool = fair_sql.slots(one_slot)
    bomb = asyncio.create_task(one_slot.client.get(VISITOR_SQL["?%73ql= (percent-encoded key)"]))
    for _ in range(200):
        if pool.active:
            break
        await asyncio.sleep(0.01)
    assert pool.active == 1
    second = await one_slot.client.get("/antitrafficking.json?sql=select+1")
    canned = await one_slot.client.get(PAGES["canned query"])
    table = await one_slot.client.get(PAGES["table page"])
    event = await one_slot.client.get(PAGES["the event page"])
    assert pool.active == 1, "the bomb should still be running"
    answered = await bomb
    assert [second.status_code, canned.status_code, table.status_code, event.status_code] == [503, 200, 200, 200]
    assert answered.status_code == 400 and "took too long" in answered.json()["error"]
    assert pool.active == 0
    assert (await one_slot.client.get("/antitrafficking.json?sql=select+1")).json()["rows"] == [[1]]


async def test_canned_queries_are_not_limited(one_slot):
    pool = await hold_the_slot(one_slot)
    try:
        responses = await asyncio.gather(*(one_slot.client.get(PAGES["canned query"]) for _ in range(5)))
    finally:
        pool.release()
    assert [response.status_code for response in responses] == [200] * 5


async def test_waiting_queries_run_in_turn_and_the_queue_is_bounded(served_db):
    ds = site(served_db, max_concurrent=1, queue=1, queue_wait_s=30)
    pool = await hold_the_slot(ds)
    waiting = asyncio.create_task(ds.client.get("/antitrafficking.json?sql=select+2"))
    for _ in range(200):
        if pool.waiting:
            break
        await asyncio.sleep(0.01)
    assert len(pool.waiting) == 1
    beyond = await ds.client.get("/antitrafficking.json?sql=select+3")
    assert beyond.status_code == 503
    assert not waiting.done()
    pool.release()  # hands the slot to the waiting request
    response = await waiting
    assert response.status_code == 200 and response.json()["rows"] == [[2]]
    assert pool.active == 0 and not pool.waiting


async def test_a_query_that_waits_too_long_gets_503(served_db):
    ds = site(served_db, max_concurrent=1, queue=4, queue_wait_s=0.1)
    pool = await hold_the_slot(ds)
    try:
        response = await asyncio.wait_for(ds.client.get("/antitrafficking.json?sql=select+1"), 10)
    finally:
        pool.release()
    assert response.status_code == 503
    assert pool.active == 0 and not pool.waiting


async def test_a_slot_rests_after_visitor_sql_only_while_pages_are_answered():
    pool = fair_sql.Slots(1, 0, share=0.5)
    assert await pool.acquire(0)
    pool.release_after(0.05)  # no page in flight: free at once
    assert pool.active == 0
    assert await pool.acquire(0)
    pool.pages = 1
    pool.release_after(0.05)  # pages in flight: the slot rests as long again
    assert pool.active == 1 and not await pool.acquire(0)
    for _ in range(200):
        if not pool.active:
            break
        await asyncio.sleep(0.01)
    assert pool.active == 0


async def test_pages_in_flight_are_counted(one_slot):
    pool = fair_sql.slots(one_slot)
    page = asyncio.create_task(one_slot.client.get(PAGES["table page"]))
    seen = set()
    while not page.done():
        seen.add(pool.pages)
        await asyncio.sleep(0)
    assert (await page).status_code == 200
    assert 1 in seen and pool.pages == 0


def test_the_default_leaves_a_sql_thread_to_the_pages(served_db):
    ds = site(served_db)
    threads = ds.setting("num_sql_threads")
    assert 1 <= fair_sql.settings(ds)["max_concurrent"] < threads


@pytest.mark.parametrize("config", [{"max_concurrent": 3}, {"max_concurrent": 0}, {"visitor_share": 0},
                                    {"no_such_setting": 1}])
async def test_a_limit_that_could_take_every_thread_is_refused_at_startup(served_db, config):
    import click

    with pytest.raises(click.ClickException):
        await site(served_db, **config).invoke_startup()


# -- bounded in bytes ------------------------------------------------------------------------

SAMPLES = ["plain", "quotes \" and \\ and <b>&'", "\x00\x01\x1f\x7f\n\t" * 20, "\"&'<>\\" * 20, "Привет, мир",
           "😀" * 10, "mixed 😀 \x00 \" é", "", "".join(map(chr, range(0x300)))]


@pytest.mark.parametrize("value", SAMPLES + [s.encode() for s in SAMPLES] + [b"\xff\xfe\x00"],
                         ids=[f"str{i}" for i in range(len(SAMPLES))] + [f"bytes{i}" for i in range(len(SAMPLES) + 1)])
def test_output_bytes_bounds_the_json_html_and_csv_of_a_value(value):
    as_json = len(json.dumps(value, cls=CustomJSONEncoder).encode())
    text = value if isinstance(value, str) else value.decode("utf-8", "replace")
    as_html = len(str(markupsafe.escape(text)).encode())
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["x", text])
    as_csv = len(buffer.getvalue().encode()) - len("x,\r\n")
    assert result_budget.output_bytes(value) + result_budget.CELL_OVERHEAD >= max(as_json, as_html, as_csv)


async def test_a_query_whose_json_would_be_384_mb_answers_400(one_slot):
    response = await one_slot.client.get("/antitrafficking.json?" + urllib.parse.urlencode({"sql": EMOJI}))
    assert response.status_code == 400
    assert response.json()["error"].startswith("query result too large")
    html = await one_slot.client.get("/antitrafficking?" + urllib.parse.urlencode({"sql": EMOJI}))
    assert html.status_code == 400 and "query result too large" in html.text


def test_the_384_mb_query_leaves_the_server_up_and_small(served_db):
    with serving(served_db) as server:
        assert server.get("/antitrafficking.json?sql=select+1")[0] == 200
        status, _, body = server.get("/antitrafficking.json?" + urllib.parse.urlencode({"sql": EMOJI}))
        assert status == 400 and len(body) < 100_000
        assert json.loads(body)["error"].startswith("query result too large")  # at once, by its rows' size
        assert server.get(PAGES["the event page"])[0] == 200
        assert server.peak_memory_kb() < 300 * 1024  # unbounded, the body alone is 384 MB


async def test_a_response_body_over_the_cap_answers_400(served_db):
    ds = site(served_db, max_body_mb=0.25, max_stream_mb=0.25)  # the result budget allows it, the body cap does not
    query = "select printf('%.*c', 100000, 'x') from participants limit 5"
    response = await ds.client.get("/antitrafficking.json?" + urllib.parse.urlencode({"sql": query}))
    assert response.status_code == 400
    assert response.json()["error"].startswith("Response too large")
    small = await ds.client.get("/antitrafficking.json?sql=select+1")
    assert small.status_code == 200
    download = await ds.client.get("/antitrafficking.db")  # a file: bounded by its size, not cut
    assert download.status_code == 200 and len(download.content) == served_db.stat().st_size


async def test_a_stream_over_the_cap_is_cut_and_says_so():
    sent = []

    async def send(message):
        sent.append(message)

    guarded = fair_sql.bounded_send(send, max_body=1000, max_stream=1000, as_json=False)
    await guarded({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
    for _ in range(5):
        await guarded({"type": "http.response.body", "body": b"x" * 400, "more_body": True})
    await guarded({"type": "http.response.body", "body": b"", "more_body": False})
    body = b"".join(message.get("body", b"") for message in sent[1:])
    assert sent[0]["status"] == 200
    assert body.startswith(b"x" * 1000) and not body.startswith(b"x" * 1001)
    assert b"The response was cut here" in body
    assert sent[-1]["more_body"] is False and len(sent) == 5  # start, 400, 400, the last 200, the note
