"""One table from every bench's figures, the result file it is kept in, and what moved between two of them.

Pure functions over the records bench/runner/figures.py writes; bench/run.py does the running.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

COLUMNS = ("bench", "figure", "value", "baseline (same run)", "ratio", "budget", "verdict")


def read_records(path: Path) -> list[dict]:
    """The JSON lines one bench wrote; a torn last line (a bench killed mid-write) is left out."""
    records = []
    if not path.exists():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    text = f"{value:.0f}" if magnitude >= 100 else f"{value:.2f}" if magnitude >= 1 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def rows(records: list[dict]) -> list[tuple[str, ...]]:
    out = []
    for r in records:
        if r.get("verdict") == "NOT MEASURED":
            out.append((r["bench"], "(not measured)", "-", "-", "-", r.get("why", "")[:60], "NOT MEASURED"))
            continue
        baseline = number(r.get("baseline"), r.get("unit", ""))
        if r.get("baseline_label"):
            baseline = f"{baseline} ({r['baseline_label']})"
        ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}x"
        out.append((r["bench"], r["figure"], number(r.get("value"), r.get("unit", "")), baseline, ratio,
                    r.get("budget", ""), r.get("verdict", "")))
    return out


def render(records: list[dict]) -> str:
    body = rows(records)
    widths = [max(len(COLUMNS[i]), *(len(row[i]) for row in body)) if body else len(COLUMNS[i])
              for i in range(len(COLUMNS))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(COLUMNS), line(tuple("-" * w for w in widths))]
    out += [line(row) for row in body]
    counts = summary(records)
    out.append("")
    out.append(", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
    return "\n".join(out)


def summary(records: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.get("verdict", "?")] = counts.get(r.get("verdict", "?"), 0) + 1
    return dict(sorted(counts.items()))


def result_document(records: list[dict], *, started: str, machine: dict, quick: bool,
                    runs: dict[str, dict]) -> dict:
    """What bench/results/<date>.json holds: when, where, how, and every figure."""
    return {"started": started, "machine": machine, "quick": quick, "benches": runs, "figures": records}


def key(record: dict) -> tuple[str, str]:
    return record["bench"], record["figure"]


def compare(old: dict, new: dict, threshold: float = 0.10) -> str:
    """Each figure in both files: old, new, the change; verdicts that flipped; figures only in one."""
    before = {key(r): r for r in old["figures"] if r.get("value") is not None}
    after = {key(r): r for r in new["figures"] if r.get("value") is not None}
    lines = [f"from {old.get('started', '?')} ({'quick' if old.get('quick') else 'full'}) "
             f"to {new.get('started', '?')} ({'quick' if new.get('quick') else 'full'})"]
    moved = 0
    for k in sorted(before.keys() & after.keys()):
        a, b = before[k], after[k]
        change = (b["value"] - a["value"]) / a["value"] if a["value"] else math.inf if b["value"] else 0.0
        flag = ""
        if a.get("verdict") != b.get("verdict"):
            flag = f"  {a.get('verdict')} -> {b.get('verdict')}"
        if abs(change) >= threshold or flag:
            moved += 1
            mark = "moved"
        else:
            mark = "same "
        lines.append(f"  {mark} {k[0]} / {k[1]}: {number(a['value'], a.get('unit', ''))} -> "
                     f"{number(b['value'], b.get('unit', ''))} ({change:+.0%}){flag}")
    for k in sorted(before.keys() - after.keys()):
        lines.append(f"  gone  {k[0]} / {k[1]} (only in the first file)")
    for k in sorted(after.keys() - before.keys()):
        lines.append(f"  new   {k[0]} / {k[1]} (only in the second file)")
    lines.append(f"{moved} figure(s) moved by {threshold:.0%} or more or changed verdict")
    return "\n".join(lines)
