"""One measurement window: CPU of an app's process tree and of its own X server, and the app's PSS."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.ui import procstat


@dataclass(frozen=True)
class Window:
    seconds: float
    app_cpu: float
    x_cpu: float
    pss_kib: float
    processes: int

    @property
    def total_cpu(self) -> float:
        return self.app_cpu + self.x_cpu


def measure(app_pid: int, x_pid: int, seconds: float, pss_samples: int = 4) -> Window:
    """CPU over `seconds` (as a share of one core), PSS as the mean of a few samples taken during it."""
    app_start, x_start = procstat.sample(app_pid), procstat.sample(x_pid)
    pss, counts = [], []
    step = seconds / pss_samples
    for _ in range(pss_samples):
        time.sleep(step)
        kib, n = procstat.tree_pss_kib(app_pid)
        pss.append(kib)
        counts.append(n)
    app_end, x_end = procstat.sample(app_pid), procstat.sample(x_pid)
    return Window(seconds=app_end.wall - app_start.wall, app_cpu=procstat.cpu_share(app_start, app_end),
                  x_cpu=procstat.cpu_share(x_start, x_end), pss_kib=sum(pss) / len(pss), processes=max(counts))
