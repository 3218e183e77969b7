"""Our templates that are edited copies of Datasette's fail here when Datasette's change.

templates/table.html, database.html, _footer.html and query-antitrafficking.html
start from Datasette 0.65.5's table.html, database.html, _footer.html and
query.html (each says what it changes). Datasette loads ours instead of its
own, so an upgrade that changes one of those would go unseen: the copy would
keep the old page. The digests below are those of the upstream templates the
copies were made from; when one differs, compare the new upstream template
with the copy, carry the change over, and record the new digest.
"""

import hashlib
from pathlib import Path

import datasette
import pytest

UPSTREAM = Path(datasette.__file__).parent / "templates"
ROOT = Path(__file__).resolve().parent.parent

# our template -> (Datasette's template it copies, sha256 of that one, first 16 hex digits)
COPIES = {
    "table.html": ("table.html", "81cec4b0f7948bf0"),
    "database.html": ("database.html", "4fd5e97823bb5380"),
    "query-antitrafficking.html": ("query.html", "bc3559df0e209da9"),
    "_footer.html": ("_footer.html", "d190d9e7dc5046c1"),
    # Our own home page, not a copy: it replaces Datasette's index.html, whose
    # changes (a new listing, a new link) may belong on it too.
    "index.html": ("index.html", "ed57b14bb5656bcd"),
}


@pytest.mark.parametrize("ours", sorted(COPIES))
def test_the_upstream_template_a_copy_was_made_from_is_unchanged(ours):
    upstream, digest = COPIES[ours]
    assert (ROOT / "templates" / ours).is_file()
    found = hashlib.sha256((UPSTREAM / upstream).read_bytes()).hexdigest()[:16]
    assert found == digest, (f"Datasette's {upstream} changed: carry the change over to templates/{ours} "
                             f"and record {found} in COPIES")


def test_every_template_that_replaces_one_of_datasettes_is_listed():
    """A template of ours with the name of one of Datasette's replaces it: it must be a tracked copy."""
    ours = {path.name for path in (ROOT / "templates").glob("*.html")}
    replaced = ours & {path.name for path in UPSTREAM.glob("*.html")}
    assert replaced <= set(COPIES), f"list {sorted(replaced - set(COPIES))} in COPIES"
