"""An extraction function for tests: crashes or hangs its worker on marked pages."""

from __future__ import annotations

import os
import time
from typing import Any

from pipeline.workers import extract_record


def extract_or_fail(
    body: bytes, url: str, hints: dict[str, Any] | None, encoding: str | None
) -> dict[str, Any]:
    if b"CRASH-THIS-WORKER" in body:
        os._exit(3)  # as a segfault in libxml2 would: no exception, the process is gone
    if b"HANG-THIS-WORKER" in body:
        time.sleep(600)
    return extract_record(body, url, hints, encoding)
