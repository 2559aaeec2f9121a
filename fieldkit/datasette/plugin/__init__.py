"""fieldkit's Datasette plugin (the `datasette` entry point, so plain `datasette team.db`
shows what `fieldkit serve` does), one module per concern:

- pages: titles, descriptions, canned queries, facets and the dashboard (get_metadata); the
  questions as the wide views' column headings (extra_body_script);
- connections: guard's authorizer and limits, fieldkit's SQL functions, the current views,
  query_only (prepare_connection);
- cells: answers as words, digests as hex, records linked to their answers (render_cell);
- digest_keys: the primary keys of `changes` and `chain_heads` as hex (a `_table.html`
  template and prepare_jinja2_environment);
- login: the `/-/login` page of `serve --public` (register_routes, forbidden);
- databases: which served databases are fieldkit's, and their metadata, cached per file.

Datasette's own settings are not touched: `fieldkit serve` starts Datasette with the time
limit its views need (fieldkit/datasette/serve.py); plain `datasette` takes
`--setting sql_time_limit_ms 15000`.
"""

from fieldkit.datasette.plugin.cells import render_cell
from fieldkit.datasette.plugin.connections import prepare_connection
from fieldkit.datasette.plugin.digest_keys import prepare_jinja2_environment
from fieldkit.datasette.plugin.login import forbidden, register_routes
from fieldkit.datasette.plugin.pages import extra_body_script, get_metadata

__all__ = [
    "extra_body_script",
    "forbidden",
    "get_metadata",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_routes",
    "render_cell",
]
