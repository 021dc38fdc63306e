"""One crawl at a time per archive: an exclusive `flock` on a file beside the database.

`blogarchive crawl` takes the lock before it opens the archive and holds it until the crawl
has ended. A second run on the same database (cron starting the next run while the last one
is still going) does not wait: it gets `LockHeld` at once, and the command line exits with
`EXIT_LOCKED` (75, EX_TEMPFAIL: "try again later").

The kernel releases a `flock` when its holder exits, however it exits (`kill -9` included), so
a lock file left behind by a dead process never blocks. The holder writes its pid, start time
and command line into the file, for the message a blocked run prints; that content is only
informative, the lock itself is the `flock`.

Imports neither Scrapy nor click.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: another run holds the lock, try later


class LockError(OSError):
    """The lock file cannot be created or opened (a read-only folder, say)."""


class LockHeld(RuntimeError):
    """Another process holds the lock of this archive."""

    def __init__(self, path: Path, holder: dict[str, str]):
        self.path = path
        self.holder = holder
        pid = holder.get("pid")
        started = holder.get("started")
        who = f"pid {pid}" if pid else "another process"
        if started:
            who += f", started {started}"
        database = path.with_name(path.name.removesuffix(".lock"))
        super().__init__(f"another crawl of {database} is running ({who}; lock file {path})")


def lock_path(db_path: str | Path) -> Path:
    """The lock file of an archive: `<database>.lock` in the database's folder."""
    db_path = Path(db_path).absolute()
    return db_path.with_name(db_path.name + ".lock")


def read_holder(path: str | Path) -> dict[str, str]:
    """What the last holder wrote into a lock file (`pid`, `started`, `command`); empty
    when the file is missing or unreadable."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return {}
    holder = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            holder[name.strip()] = value.strip()
    return holder


class RunLock:
    """An exclusive, non-blocking lock on `lock_path(db_path)`.

    >>> with RunLock("archive/archive.db"):   # raises LockHeld if another run holds it
    ...     ...
    """

    def __init__(self, db_path: str | Path):
        self.path = lock_path(db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Take the lock or raise `LockHeld` at once (never waits)."""
        if self._fd is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # os.open's descriptors are not inherited by child processes that exec.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LockError(f"cannot open the lock file {self.path}: {error}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(self.path, self._holder()) from None
        except OSError as error:
            os.close(fd)
            raise LockError(f"cannot lock {self.path}: {error}") from error
        self._fd = fd
        started = datetime.now(UTC).isoformat(timespec="seconds")
        command = " ".join(sys.argv) or sys.executable
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid={os.getpid()}\nstarted={started}\ncommand={command}\n".encode(), 0)
        except OSError:  # a full disk: the lock holds all the same; only its note is missing
            pass
        return self

    def _holder(self, wait: float = 1.0) -> dict[str, str]:
        """Who holds the lock. A run that has just taken it writes its pid a moment later:
        wait up to `wait` seconds for it rather than report "another process"."""
        deadline = time.monotonic() + wait
        while True:
            holder = read_holder(self.path)
            if holder.get("pid") or time.monotonic() >= deadline:
                return holder
            time.sleep(0.02)

    def release(self) -> None:
        """Release the lock. The file stays (removing it would let a run that opened the
        old file and a run that creates a new one both hold "the" lock)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # no pid of a finished run in the file
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def run_lock(db_path: str | Path) -> Iterator[RunLock]:
    """Hold the run lock of the archive at `db_path` for the `with` block."""
    with RunLock(db_path) as lock:
        yield lock
