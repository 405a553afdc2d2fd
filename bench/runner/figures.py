"""The machine-readable side of a bench: each figure as one JSON line, beside the human output.

A bench calls record() next to the line it prints. When BENCH_JSON names a file (bench/run.py sets it,
or `--json PATH` on any bench through json_option()), each record is appended to it as one JSON line
the moment it is known, so a bench that dies halfway still leaves what it measured.
Benches report; a figure over its budget says OVER and never fails the run.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

ENV = "BENCH_JSON"


def json_option(parser) -> None:
    """Adds --json PATH to a bench's argparse parser; call apply_json(args) after parse_args()."""
    parser.add_argument("--json", type=Path, default=None, help="append each figure as a JSON line here")


def apply_json(args) -> None:
    if getattr(args, "json", None):
        os.environ[ENV] = str(args.json)


def judge(value: float, baseline: float | None, limit: float | None, against: str, op: str) -> tuple[float | None, str]:
    """(ratio, verdict). against='ratio' puts the limit on value/baseline, 'value' on the value itself."""
    ratio = value / baseline if baseline not in (None, 0) and not math.isnan(value) else None
    if limit is None:
        return ratio, "INFO"
    checked = ratio if against == "ratio" else value
    if checked is None or math.isnan(checked):
        return ratio, "UNKNOWN"
    ok = checked < limit if op == "<" else checked <= limit
    return ratio, "PASS" if ok else "OVER"


def record(bench: str, figure: str, value: float, unit: str, *, baseline: float | None = None,
           baseline_label: str = "", limit: float | None = None, against: str = "ratio", op: str = "<=",
           budget: str = "") -> dict:
    """One figure: its value, the baseline measured in the same run, the budget and the verdict."""
    ratio, verdict = judge(float(value), None if baseline is None else float(baseline), limit, against, op)
    if not budget and limit is not None:
        budget = f"{'ratio' if against == 'ratio' else 'value'} {op} {limit:.3g}{'x' if against == 'ratio' else ' ' + unit}"
    entry = {"bench": bench, "figure": figure, "value": float(value), "unit": unit,
             "baseline": None if baseline is None else float(baseline), "baseline_label": baseline_label,
             "ratio": ratio, "budget": budget or "(reported)", "limit": limit, "against": against, "op": op,
             "verdict": verdict}
    _write(entry)
    return entry


def not_measured(bench: str, why: str) -> dict:
    entry = {"bench": bench, "figure": "(not measured)", "value": None, "unit": "", "baseline": None,
             "baseline_label": "", "ratio": None, "budget": "", "limit": None, "against": "value", "op": "<=",
             "verdict": "NOT MEASURED", "why": why}
    _write(entry)
    return entry


def _write(entry: dict) -> None:
    path = os.environ.get(ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({k: _finite(v) for k, v in entry.items()}) + "\n")


def _finite(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value
