"""How the UI benches print: the figure, the baseline measured in the same run, the ratio, the budget, PASS/OVER.

Benches report; they never fail the build (every script exits 0).
"""

from __future__ import annotations

import statistics

from bench.runner import figures


def verdict(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "OVER"


def ratio_line(what: str, value: float, baseline: float, limit: float) -> str:
    """'what: ratio 0.31 (budget <= 0.50) PASS'; a zero baseline cannot give a ratio."""
    if baseline <= 0:
        return f"  {what}: no ratio (the baseline measured 0) (budget <= {limit:.2f}x) UNKNOWN"
    ratio = value / baseline
    return f"  {what}: ratio {ratio:.2f} (budget <= {limit:.2f}) {verdict(ratio, limit)}"


def figure(label: str, value: str, detail: str = "") -> str:
    return f"  {label:<40} {value:>12}" + (f"   {detail}" if detail else "")


def percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def skipped(bench: str, reason: str) -> None:
    print(f"{bench}: not measured: {reason}")
    figures.not_measured(bench, reason)
