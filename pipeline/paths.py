"""Where things live: the project's `archive/` folder and the default database."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ARCHIVE_DIR = PROJECT_ROOT / "archive"


def default_db_path() -> Path:
    """`archive/archive.db` in this project, or in the working directory when the package
    was installed somewhere without its `archive/` folder."""
    base = ARCHIVE_DIR if ARCHIVE_DIR.is_dir() else Path.cwd() / "archive"
    return base / "archive.db"
