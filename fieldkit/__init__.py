"""fieldkit: terminal-first, SQLite-first toolkit for domestic-abuse inspection fieldwork."""

__version__ = "0.1.0"
