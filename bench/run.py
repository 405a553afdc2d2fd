"""Every bench in bench/, one table: each figure, its baseline measured in the same run, the ratio, the budget, PASS/OVER.

    python bench/run.py [--quick] [--only ui_startup,sync_drain] [--out bench/results]
    python bench/run.py --compare A.json B.json

Each bench runs as its own process with its human output shown as it comes; its figures arrive as JSON
lines (bench/runner/figures.py). The table goes to the terminal, to bench/results/<date>.json, and to a
PNG chart beside it (matplotlib, the `bench` extra). A figure over budget says OVER; the run still
exits 0 (benches report, they never fail the build). --quick runs fewer rounds and shorter windows,
so the whole table takes minutes on a loaded two-core machine: its figures are noisier.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.runner import chart, figures, table  # noqa: E402

# fewer rounds, shorter windows: the same code paths, noisier figures
QUICK = {
    "ui_cpu_memory": ["--window", "8", "--warmup", "3"],
    "ui_redraws": ["--window", "5", "--settle", "2"],
    "ui_startup": ["--runs", "3"],
    "button_latency": ["--presses", "200", "--ui-presses", "200"],
    "sync_drain": ["--repeat", "1"],
    "hub_ingest": ["--events", "5000"],
    "export": ["--events", "20000"],
    "help_backlog": ["--rounds", "1", "--events", "3000"],
    "wifi_download": ["--events", "20000", "--window", "5"],
    "alert_latency": ["--presses", "10", "--kiosks", "5"],
    "staff_board": ["--requests", "15"],
}
NOT_BENCHES = {"run"}
TIMEOUT = 30 * 60


def benches(folder: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (folder or HERE).glob("*.py") if p.stem not in NOT_BENCHES and not p.stem.startswith("_"))


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware")):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "load_at_start": [round(x, 2) for x in load]}


def run_one(name: str, quick: bool, scratch: Path) -> tuple[list[dict], dict]:
    out = scratch / f"{name}.jsonl"
    env = dict(os.environ, **{figures.ENV: str(out)})
    argv = [sys.executable, str(HERE / f"{name}.py")] + (QUICK.get(name, []) if quick else [])
    print(f"\n===== {name} {' '.join(argv[2:])}", flush=True)
    started = time.monotonic()
    try:
        code = subprocess.run(argv, env=env, cwd=HERE.parent, timeout=TIMEOUT).returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    seconds = time.monotonic() - started
    records = table.read_records(out)
    if not records:
        records = [figures.not_measured(name, f"the bench wrote no figures (exit {code})")]
    return records, {"argv": argv[1:], "exit": code, "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter windows (minutes, not an hour)")
    parser.add_argument("--only", default="", help="comma-separated bench names (default: all of bench/*.py)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the result file and chart go")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="what moved from A to B")
    args = parser.parse_args(argv)
    if args.compare:
        old, new = (json.loads(p.read_text()) for p in args.compare)
        print(table.compare(old, new))
        return 0
    names = benches()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            print(f"bench/run.py: no bench named {', '.join(unknown)}; the benches are: {', '.join(names)}")
            return 2
        names = wanted
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    where = machine()
    records: list[dict] = []
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for name in names:
            got, how = run_one(name, args.quick, Path(tmp))
            records += got
            runs[name] = how
    stamp = started.strftime("%Y-%m-%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    result = args.out / f"{stamp}.json"
    document = table.result_document(records, started=started.isoformat(), machine=where, quick=args.quick,
                                     runs=runs)
    result.write_text(json.dumps(document, indent=1) + "\n")
    title = (f"room kiosk benches {started.isoformat()} {'(quick)' if args.quick else ''} on "
             f"{where['cores']} cores, {where['cpu']}")
    png = chart.draw(records, result.with_suffix(".png"), title)
    print(f"\n===== the table: {started.isoformat()}, {'quick' if args.quick else 'full'} run, "
          f"{where['cores']} cores ({where['cpu']}), load at start {where['load_at_start']}")
    print(table.render(records))
    print(f"\nwritten: {result}" + (f" and {png}" if png else " (no chart: pip install '.[bench]' for matplotlib)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
