"""Turn the CSV tables in data/ into the SQLite database Datasette serves.

Modules, in the order a build uses them:
  schema   reads data/datapackage.json: the one declaration of every table,
           including which rows need sources and which columns are verbatim,
           searched and indexed
  reader   reads a CSV file: in C, or line by line with exact encoding errors
  staging  streams each CSV file into a temporary table of text, rowid = record
  checks   per-value and per-row validation built from the schema
  sql_checks the same checks as SQL over the staged text: which rows Python must look at
  evidence verbatim checks of passages against their source texts
  row_errors a file's errors, reported in line order
  ingest   the validating load: staged checks step by step
  table_checks  the checks that need whole tables, in SQL, once every table is in
  loader   creates the SQLite tables, indexes, full-text search and views
  views    the views that save users joins
  atomic   writes the database to a temporary file and swaps it in
  errors   the capped list of file:line: column: errors a build reports
"""
