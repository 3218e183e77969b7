"""Views that save users joins (stub by the lead; the site helper replaces it).

VIEWS: {name: {"title", "description", "sql"}}; VIEW_COLUMN_DESCRIPTIONS:
descriptions of view columns that are not table columns.
"""

VIEWS = {
    "evidence": {
        "title": "Evidence",
        "description": "View: every passage that supports a row, with its source.",
        "sql": """
select mentions.table_name, mentions.row_id, mentions.source_id, sources.title as source_title,
  sources.published_date, mentions.evidence, mentions.name_as_written
from mentions join sources on sources.id = mentions.source_id
""",
    },
}

VIEW_COLUMN_DESCRIPTIONS = {
    "source_title": "The source's title (see sources.title).",
}
