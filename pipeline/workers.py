"""A pool of worker processes for extraction, off the crawler's event loop.

trafilatura is CPU-bound and not thread-safe, so extraction runs in processes (one per core
by default). A worker that crashes, runs past its time limit or out of its memory limit is
replaced; the page it was working on is reported as failed, and pages that were only queued
behind it are retried in the new pool. No Scrapy or click here.
"""

from __future__ import annotations

import ast
import asyncio
import multiprocessing
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pipeline.dedupe import sketch
from pipeline.extraction import ExtractionError, extract_post
from pipeline.store import counted_fields


class WorkerCrashed(Exception):
    """The worker process extracting a page died, or was stopped at its time limit."""


def extract_record(
    body: bytes, url: str, hints: dict[str, Any] | None, encoding: str | None
) -> dict[str, Any]:
    """What the crawl stores for a page, as a plain dict (cheap to send between processes),
    with its text's near-duplicate sketch (`text_sketch`), word count and content hash,
    computed here so that the one writer process does not spend its CPU on them."""
    record = extract_post(body, url, hints=hints, encoding=encoding).to_dict()
    record["text_sketch"] = sketch(record["text"])
    record.update(counted_fields(record))
    return record


def _start_worker(max_bytes: int, parent_pid: int) -> None:
    """In each worker: the address-space limit, and a watch on the crawler that started it.

    A crawler killed with SIGKILL (the OOM killer, `timeout -s KILL` in a cron line) cannot
    stop its workers, and they would wait for pages forever: the pool's queue keeps a writer
    open in every worker. The watch exits the worker within a second of its crawler's end.
    """
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    threading.Thread(
        target=_exit_when_orphaned, args=(parent_pid,), name="orphan-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent_pid: int, interval: float = 0.5) -> None:
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def unguarded_main_line() -> str | None:
    """`PATH:LINE` of the script being run when its module-level code, outside any `if
    __name__ == "__main__":`, is what called us (a `CrawlerProcess` crawl started as the
    script is imported); else None.

    Worker processes are started as multiprocessing's "spawn" starts them, which imports the
    main script again in each worker: such a script would run its crawl again in every one.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return None  # `python -c`, an interactive session: nothing is imported again
    frame = sys._getframe(1)
    while frame is not None and not (
        frame.f_globals is main.__dict__ and frame.f_code.co_name == "<module>"
    ):
        frame = frame.f_back
    if frame is None:
        return None  # called from elsewhere (a crawl started by a command, not the script)
    line = frame.f_lineno
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            first = node.body[0].lineno
            last = max(getattr(n, "end_lineno", n.lineno) or n.lineno for n in node.body)
            if first <= line <= last:
                return None
    return f"{path}:{line}"


def _is_main_guard(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


class ExtractionPool:
    """`await pool.extract(body, url, hints, encoding)` in a process pool."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = 60.0,
        memory_limit_mb: int = 2048,
        function: Callable[..., dict[str, Any]] = extract_record,
    ):
        self.workers = workers or default_workers()
        self.timeout = timeout
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.function = function
        self.replaced = 0
        self._executor = self._new_executor()
        self._quarantine: ProcessPoolExecutor | None = None
        self._quarantine_lock = asyncio.Lock()

    def _new_executor(self, workers: int | None = None) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers or self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.memory_limit, os.getpid()),
        )

    async def extract(
        self,
        body: bytes,
        url: str,
        hints: dict[str, Any] | None = None,
        encoding: str | None = None,
    ) -> dict[str, Any]:
        args = (body, url, hints, encoding)
        executor = self._executor
        try:
            return await self._run(executor, args)
        except BrokenProcessPool:
            # Some page killed a worker, and every page in flight failed with it. Retry each
            # of them alone in a one-process pool: the page that dies there is the culprit.
            self._replace(executor)
        async with self._quarantine_lock:
            quarantine = self._quarantine or self._new_executor(1)
            self._quarantine = quarantine
            try:
                return await self._run(quarantine, args)
            except BrokenProcessPool:
                self._quarantine = None
                self.replaced += 1
                quarantine.shutdown(wait=False, cancel_futures=True)
                raise WorkerCrashed("the extraction worker died on this page") from None

    async def _run(self, executor: ProcessPoolExecutor, args: tuple) -> dict[str, Any]:
        future: Future = executor.submit(self.function, *args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            if executor is self._quarantine:
                self._quarantine = None
                self.replaced += 1
                _kill(executor)
            else:
                self._replace(executor, kill=True)
            raise WorkerCrashed(
                f"extraction ran past its time limit of {self.timeout:g} s"
            ) from None
        except MemoryError:
            raise ExtractionError("extraction ran out of its memory limit") from None

    def _replace(self, broken: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """Swap in a fresh pool (once per broken pool, however many pages noticed it)."""
        if broken is not self._executor:
            return
        self.replaced += 1
        self._executor = self._new_executor()
        if kill:
            _kill(broken)
        else:
            broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._quarantine is not None:
            self._quarantine.shutdown(wait=True, cancel_futures=True)


def _kill(executor: ProcessPoolExecutor) -> None:
    """Stop a pool whose worker hangs: shutdown() alone would wait for it forever."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.kill()
    executor.shutdown(wait=False, cancel_futures=True)
