"""Shared helpers of the benchmarks: measured subprocess runs, medians, markdown tables.

A contender runs in its own subprocess so that its peak memory can be read on its own:
`os.wait4` returns the child's rusage (CPU time of the child and the descendants it waited
for), and a poller thread reads the largest peak RSS (VmHWM) of any process of the tree and
sums the proportional resident memory (PSS) of the whole process tree (crawler plus extraction workers) from /proc.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
PAGE_KB = 1024


@dataclass
class Measured:
    """One subprocess run: wall time, CPU seconds (user+system, all descendants), peak RSS."""

    returncode: int
    wall: float
    cpu: float
    maxrss_mb: float  # largest single process: max VmHWM seen in the tree, sampled every 0.1 s
    tree_rss_mb: float  # peak of the summed PSS of the process tree, sampled every 0.1 s
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)


def _children_map() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _proc_kb(path: str, field: bytes) -> int:
    """The kB value of the line `field` of a /proc file; 0 when the process is gone."""
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (fork copy-on-write) are split between sharers,
    so a tree's sum is what it really occupies."""
    return _proc_kb(f"/proc/{pid}/smaps_rollup", b"Pss:")


def _hwm_kb(pid: int) -> int:
    """VmHWM: the process's peak RSS since its exec (reset by exec, unlike ru_maxrss, which
    also counts the pre-exec copy of the forking parent)."""
    return _proc_kb(f"/proc/{pid}/status", b"VmHWM:")


def tree_rss_kb(root: int) -> tuple[int, int]:
    """(summed PSS of `root` and all its descendants, largest VmHWM among them), in KiB."""
    tree = _children_map()
    total, hwm, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss_kb(pid)
        hwm = max(hwm, _hwm_kb(pid))
        stack.extend(tree.get(pid, ()))
    return total, hwm


def run_measured(
    cmd: Sequence[str], *, timeout: float = 3600, cwd: str | Path | None = None
) -> Measured:
    """Run `cmd`, wait for it, and return its wall time, CPU time and peak memory."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.time_ns()}"
    with open(f"{out_path}.out", "w+") as out, open(f"{out_path}.err", "w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, cwd=cwd)
        peak = [0, 0]
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.1):
                pss, hwm = tree_rss_kb(proc.pid)
                peak[0], peak[1] = max(peak[0], pss), max(peak[1], hwm)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        deadline = start + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        done.set()
        poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    return Measured(
        returncode=proc.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mb=peak[1] / PAGE_KB,
        tree_rss_mb=peak[0] / PAGE_KB,
        stdout=stdout,
        stderr=stderr,
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line() -> str:
    """`2 cores, 23 GiB RAM, x86_64, Python 3.11.x` (nproc, free -h, uname -m)."""
    mem_gib = 0.0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {mem_gib:.0f} GiB RAM, {platform.machine()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
