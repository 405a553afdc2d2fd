"""How a long reliability run ends: one line, `VERDICT <run>: PASS|FAIL — what was tried, what was found`.

The exit code follows the verdict (0 PASS, 1 FAIL): these runs check claims, unlike the benches,
which only report. Each run also appends its verdict as a JSON line to bench/results/long.jsonl
(gitignored) so the README's table can be refreshed from the last runs.
"""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"


def finish(run: str, ok: bool, summary: str, figures: dict | None = None, short: bool = False) -> int:
    line = f"VERDICT {run}{' (--short)' if short else ''}: {'PASS' if ok else 'FAIL'} — {summary}"
    print(line, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "long.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps({"run": run, "short": short, "ok": ok, "verdict": line, "figures": figures or {},
                              "at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                              "host": platform.node()}) + "\n")
    return 0 if ok else 1
