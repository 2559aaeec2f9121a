"""Datasette support: fieldkit's metadata (descriptions, canned queries, facets) and
`fieldkit serve`. The plugin itself is fieldkit.datasette.plugin (a `datasette` entry point)."""
