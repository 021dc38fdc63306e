"""blogarchive: archive blogs into a searchable SQLite database that Datasette serves."""

__version__ = "0.1.0"
