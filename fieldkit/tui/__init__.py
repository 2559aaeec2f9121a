"""The capture app (Textual). Start it with `make_app(db_path)` from fieldkit.tui.app."""
