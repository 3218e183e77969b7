"""Turn the CSV tables in data/ into the SQLite database Datasette serves.

Modules, in the order a build uses them:
  schema   reads data/datapackage.json: the one declaration of every table,
           including which rows need sources and which columns are verbatim,
           searched and indexed
  reader   streams a CSV file with line numbers and exact encoding errors
  checks   per-value and per-row validation built from the schema
  evidence verbatim checks of passages against their source texts
  ingest   the validating load: row by row, then whole-table checks in SQL
  loader   creates the SQLite tables, indexes, full-text search and views
  views    the views that save users joins
  atomic   writes the database to a temporary file and swaps it in
  errors   the capped list of file:line: column: errors a build reports
"""
