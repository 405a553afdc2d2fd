"""CPU time and memory (PSS) of a process and all its descendants, read from /proc.

Chromium is a browser process, a zygote, renderers and a GPU/utility process or
two: its cost is the sum over the whole tree, and so is the kiosk's.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm (field 2) may hold spaces and parentheses: split after its last ')'
    return raw[raw.rindex(")") + 2:].split()


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                out[int(entry.name)] = int(fields[1])
    return out


def tree(pid: int) -> list[int]:
    """pid and every live descendant."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each live pid, including its reaped children's."""
    out = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
            out[pid] = (utime + stime + cutime + cstime) / TICKS
    return out


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_kib(pid: int) -> tuple[int, int]:
    """(PSS of pid and all its descendants summed, in KiB; how many processes)."""
    pids = tree(pid)
    return sum(pss_kib(p) for p in pids), len(pids)


@dataclass(frozen=True)
class CpuSample:
    wall: float
    cpu: dict[int, float]


def sample(pid: int) -> CpuSample:
    return CpuSample(time.monotonic(), cpu_seconds(tree(pid)))


def cpu_share(start: CpuSample, end: CpuSample) -> float:
    """CPU used between two samples as a fraction of one core (1.0 = one core busy all the time).

    A process present only at the end counts from zero; one that died in between
    is missed (its parent's cutime covers it only once reaped).
    """
    used = sum(seconds - start.cpu.get(pid, 0.0) for pid, seconds in end.cpu.items())
    return used / (end.wall - start.wall)
