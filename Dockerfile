# The site's container image: `make package` builds it (docker build -t antitrafficking .).
#
# The project keeps its own Dockerfile because `datasette package` (0.65) always
# writes FROM python:3.11.0-slim-bullseye, whose SQLite 3.34 cannot open STRICT
# tables (3.37) nor run ->> (3.38), and has no option to change it. The official
# Python images use Debian's SQLite: bookworm's is 3.40.
# tests/test_package.py checks this file against `make serve`.
FROM python:3.11-slim-bookworm

WORKDIR /app
# The project itself, so the image has exactly pyproject.toml's pins and the
# plugin package (antitrafficking_site) registered as `make serve` has them.
COPY pyproject.toml README.md build.py ./
COPY pipeline pipeline
COPY antitrafficking_site antitrafficking_site
RUN pip install --no-cache-dir .

# What `datasette serve` reads: the same files `make serve` passes it.
COPY scripts/datasette_args.py scripts/
COPY settings.json metadata.yml ./
COPY templates templates
# The data package the database was built from, served for download at /data/ (--static data:data).
COPY data data
# The release manifests the changes page (/changes) shows: plugins: changes_page: releases.
COPY releases releases
# The database `make package` has just built and checked.
COPY antitrafficking.db ./
RUN datasette inspect antitrafficking.db --inspect-file inspect.json

# The server needs to write nothing: it runs as a user that owns no file here.
RUN useradd --no-create-home --uid 10001 site
USER site

# Platforms such as Cloud Run set PORT; datasette_args.py reads it.
ENV PORT=8001
EXPOSE 8001
CMD ["python", "scripts/datasette_args.py", "exec", "antitrafficking.db", "inspect.json", "0.0.0.0"]
