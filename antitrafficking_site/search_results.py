"""What templates/query-antitrafficking-search.html needs to show the search
query's rows as results: each a link to the entity's page, what kind of thing
it is, and its snippet with the matched words marked."""

import re

from datasette.utils import tilde_encode

# The search query's table_name, in words.
KINDS = {
    "events": "Event",
    "participants": "Actor",
    "locations": "Place",
    "documents": "Document",
    "series": "Series",
    "quotes": "Quote",
    "topics": "Topic",
    "sources": "Press release",
}

# snippet() in metadata.yml's search query marks each matched word between
# these two private-use characters, which no text holds: brackets would not do,
# a source may write "[sic]". The JSON API gives the snippet with them as they are.
START, END = "\ue000", "\ue001"
MARKED = re.compile(f"{START}([^{START}{END}]*){END}")


def snippet_parts(snippet):
    """[(text, marked)] of a snippet, for the template to wrap the marked ones in <mark>
    (it escapes every part). A stray marker, never written by snippet(), is dropped."""
    def plain(text):
        return text.replace(START, "").replace(END, "")

    snippet = snippet or ""
    parts, position = [], 0
    for match in MARKED.finditer(snippet):
        if match.start() > position:
            parts.append((plain(snippet[position:match.start()]), False))
        parts.append((match.group(1), True))
        position = match.end()
    if position < len(snippet):
        parts.append((plain(snippet[position:]), False))
    return [(text, marked) for text, marked in parts if text]


def search_page_vars(datasette, database):
    def row_url(table, row_id):
        return datasette.urls.row(database, table, tilde_encode(str(row_id)))

    return {"search_page": {"row_url": row_url, "snippet_parts": snippet_parts, "kinds": KINDS}}
