"""bench/run.py and bench/runner/ over fake bench outputs: no real bench runs here."""

from __future__ import annotations

import importlib.util

import json
import sys
import textwrap
from pathlib import Path

import pytest

from bench import run
from bench.runner import chart, figures, table
from tests.needs import need


@pytest.fixture
def jsonl(tmp_path, monkeypatch):
    path = tmp_path / "figures.jsonl"
    monkeypatch.setenv(figures.ENV, str(path))
    return path


def test_a_ratio_budget_passes_at_the_line_and_is_over_above_it(jsonl):
    at = figures.record("ui_startup", "first frame", 115.0, "ms", baseline=100.0, limit=1.15)
    over = figures.record("ui_startup", "first frame again", 116.0, "ms", baseline=100.0, limit=1.15)
    assert (at["verdict"], over["verdict"]) == ("PASS", "OVER")
    assert over["ratio"] == pytest.approx(1.16)
    assert [r["figure"] for r in table.read_records(jsonl)] == ["first frame", "first frame again"]


def test_a_strict_value_budget_is_over_at_the_line():
    assert figures.judge(50.0, 1.0, 50.0, "value", "<") == (50.0, "OVER")
    assert figures.judge(49.9, None, 50.0, "value", "<") == (None, "PASS")


def test_no_budget_is_info_and_a_zero_baseline_gives_no_ratio():
    assert figures.judge(3.0, 0.0, None, "ratio", "<=") == (None, "INFO")
    assert figures.judge(3.0, 0.0, 1.1, "ratio", "<=") == (None, "UNKNOWN")


def test_a_nan_figure_is_written_as_null_not_as_invalid_json(jsonl):
    figures.record("export", "peak", float("nan"), "MB", baseline=1.0)
    line = jsonl.read_text().strip()
    assert json.loads(line)["value"] is None


def test_a_torn_last_line_from_a_killed_bench_is_left_out(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"bench": "a", "figure": "f", "value": 1.0, "verdict": "INFO"}) + "\n{\"bench\": \"a\", ")
    assert len(table.read_records(path)) == 1


FAKE_BENCH = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from bench.runner import figures
    print("human output of", {name!r}, sys.argv[1:])
    figures.record({name!r}, "figure one", {value}, "ms", baseline=100.0, baseline_label="floor", limit=1.15)
""")


@pytest.fixture
def fake_benches(tmp_path, monkeypatch):
    folder = tmp_path / "bench"
    folder.mkdir()
    repo = str(Path(run.__file__).resolve().parent.parent)
    (folder / "fast.py").write_text(FAKE_BENCH.format(repo=repo, name="fast", value=90.0))
    (folder / "slow.py").write_text(FAKE_BENCH.format(repo=repo, name="slow", value=140.0))
    (folder / "broken.py").write_text("raise SystemExit(3)\n")
    (folder / "run.py").write_text("raise AssertionError('the runner must not run itself')\n")
    monkeypatch.setattr(run, "HERE", folder)
    monkeypatch.setitem(run.QUICK, "fast", ["--rounds", "1"])
    return folder


def test_the_runner_runs_every_bench_once_and_writes_one_table(fake_benches, tmp_path, capsys):
    assert run.benches(fake_benches) == ["broken", "fast", "slow"]
    out_dir = tmp_path / "results"
    assert run.main(["--quick", "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    result = json.loads(next(out_dir.glob("*.json")).read_text())
    by_bench = {r["bench"]: r for r in result["figures"]}
    assert by_bench["fast"]["verdict"] == "PASS"
    assert by_bench["slow"]["verdict"] == "OVER"
    assert by_bench["broken"]["verdict"] == "NOT MEASURED"
    assert "exit 3" in by_bench["broken"]["why"]
    assert result["quick"] is True and result["benches"]["fast"]["argv"][-2:] == ["--rounds", "1"]
    assert result["machine"]["cores"]
    assert "1 NOT MEASURED, 1 OVER, 1 PASS" in printed
    table_part = printed.split("===== the table")[1]
    assert "0.90x" in table_part and "1.40x" in table_part and "90.0 ms (floor)" not in table_part
    assert "100 ms (floor)" in table_part


def test_an_unknown_bench_name_is_named_with_the_ones_there_are(fake_benches, capsys):
    assert run.main(["--only", "nosuch"]) == 2
    assert "no bench named nosuch; the benches are: broken, fast, slow" in capsys.readouterr().out


def test_compare_shows_what_moved_and_verdicts_that_flipped():
    def doc(started, value, verdict, extra=()):
        figs = [{"bench": "ui_startup", "figure": "first frame", "value": value, "unit": "ms", "verdict": verdict},
                {"bench": "sync_drain", "figure": "drain", "value": 2.0, "unit": "s", "verdict": "PASS"}]
        return {"started": started, "quick": True, "figures": figs + list(extra)}
    old = doc("2026-12-01T10:00:00", 100.0, "PASS")
    new = doc("2026-12-02T10:00:00", 130.0, "OVER",
              [{"bench": "export", "figure": "time", "value": 1.0, "unit": "s", "verdict": "INFO"}])
    text = table.compare(old, new)
    assert "moved ui_startup / first frame: 100 ms -> 130 ms (+30%)  PASS -> OVER" in text
    assert "same  sync_drain / drain" in text
    assert "new   export / time" in text
    assert text.endswith("1 figure(s) moved by 10% or more or changed verdict")


def test_the_chart_puts_each_judged_figure_against_its_budget(tmp_path):
    need(importlib.util.find_spec("matplotlib") is not None, "matplotlib is missing: make test installs it (test extra)")
    records = [figures.record("a", "ratio", 1.2, "ms", baseline=1.0, limit=1.15),
               figures.record("b", "value", 20.0, "ms", limit=50.0, against="value", op="<"),
               figures.record("c", "info only", 3.0, "s")]
    assert chart.budget_share(records[1]) == pytest.approx(0.4)
    assert chart.budget_share(records[2]) is None
    png = chart.draw(records, tmp_path / "chart.png", "test")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_runner_is_importable_without_running_anything():
    assert "bench.run" in sys.modules
