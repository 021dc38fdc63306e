"""Where things live: the project's `archive/` folder and the default database."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ARCHIVE_DIR = PROJECT_ROOT / "archive"


def default_db_path() -> Path:
    """`archive/archive.db` in this project, or in the working directory when the package
    was installed somewhere without its `archive/` folder."""
    base = ARCHIVE_DIR if ARCHIVE_DIR.is_dir() else Path.cwd() / "archive"
    return base / "archive.db"


def unwritable_reason(directory: str | Path, *, made_when_needed: bool = True) -> str | None:
    """Why files cannot be written in `directory`, or None when they can: it must be a folder
    this process can write or, when it is `made_when_needed`, the nearest folder above it
    that exists must be. Creates nothing."""
    directory = Path(directory).absolute()
    existing = directory
    while made_when_needed and not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.exists():
        return f"{existing} does not exist"
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None
