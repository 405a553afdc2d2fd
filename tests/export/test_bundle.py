"""The bundle's content against the journal it came from, on an ordinary folder."""

from __future__ import annotations

import csv
import hashlib
import json
import tracemalloc
from dataclasses import replace
from datetime import date

from kiosk.export.flow import DONE, EMPTY, EXPORT_DONE, export_logs
from kiosk.export.names import export_name, fat_slug
from kiosk.session.plan import Plan
from kiosk.store.journal import Journal
from tests.export.conftest import journal_records
from tests.export.journals import bulk_events, kiosk_config, run_sessions

FAT_FORBIDDEN = set('"*/:<>?\\|') | {chr(c) for c in range(32)}


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_the_bundle_holds_every_journal_event_in_wire_form_with_checksums(config, clock, tmp_path):
    before = journal_records(config)
    result = export_logs(config, tmp_path / "stick", clock=clock)
    assert result.outcome == DONE and not result.sealed, result.message
    assert "not sealed: anyone with this stick can read it" in result.message
    folder = result.path
    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [r.to_wire() for r in before]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"] == {"events": len(before), "sessions": 2}
    assert (manifest["seq_first"], manifest["seq_last"]) == (before[0].seq, before[-1].seq)
    assert manifest["room"] == "Willow room" and manifest["device_id"] == before[0].device_id
    for name in ("sessions.csv", "events.csv", "events.jsonl"):
        data = (folder / name).read_bytes()
        assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert (folder / "events.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert [r["uuid"] for r in _rows(folder / "events.csv")] == [r.uuid for r in before]


def test_sessions_csv_says_what_kiosk_sessions_says(config, clock, tmp_path):
    result = export_logs(config, tmp_path / "stick", clock=clock)
    rows = _rows(result.path / "sessions.csv")
    assert len(rows) == 2
    first = rows[0]
    assert first["plan"] == "Session" and first["how_it_ended"] == "completed"
    assert first["opening_began"] == "held to begin" and first["closing_began"] == "held to close"
    assert first["started"].endswith("+01:00")  # Europe/London in summer, with its offset
    assert first["holding_actual_start"] and first["holding_actual_end"]
    assert first["extensions"] == "Holding +5.0 min"
    assert "acknowledged" in first["help_calls"] and "by =Sam at reception" in first["help_calls"]
    assert "resolved" in first["help_calls"] and "by kiosk" in first["help_calls"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(tmp_path, clock):
    config = kiosk_config(tmp_path / "data", room='=HYPERLINK("http://evil.example","x")',
                          plans=(Plan("+cmd|' /C calc'!A0"),))
    run_sessions(config, clock, sessions=1)
    result = export_logs(config, tmp_path / "stick", clock=clock)
    events = _rows(result.path / "events.csv")
    assert {r["room"] for r in events} == {'\'=HYPERLINK("http://evil.example","x")'}
    assert _rows(result.path / "sessions.csv")[0]["plan"] == "'+cmd|' /C calc'!A0"
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["room"] == '=HYPERLINK("http://evil.example","x")'  # JSON is for machines: unchanged


def test_names_are_fat_safe_and_an_older_export_is_never_overwritten(tmp_path, clock):
    config = kiosk_config(tmp_path / "data", room="Salle Étoile: 3/4 *?")
    run_sessions(config, clock, sessions=1)
    first = export_logs(config, tmp_path / "stick", clock=clock)
    original = {p.name: p.read_bytes() for p in first.path.iterdir()}
    second = export_logs(config, tmp_path / "stick", clock=clock)
    assert first.path.name.startswith("salle-etoile-3-4_") and not FAT_FORBIDDEN & set(first.path.name)
    assert first.path.name.isascii()
    assert second.path.name != first.path.name
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == original
    assert export_name("", "", 1, 2) == "room_device_seq1-2" and fat_slug("...") == "room"


def test_an_export_changes_nothing_on_the_kiosk_but_journals_export_done(config, clock, tmp_path):
    before = journal_records(config)
    journal = Journal(config.paths.database, clock)
    try:
        result = export_logs(config, tmp_path / "stick", clock=clock,
                             journal_event=lambda kind, data: journal.append(kind, data).result(5))
    finally:
        journal.close()
    after = journal_records(config)
    assert after[:-1] == before
    assert after[-1].kind == EXPORT_DONE and after[-1].payload["name"] == result.path.name
    assert after[-1].payload["events"] == len(before) and after[-1].payload["sealed"] is False
    assert not (config.paths.data / "export-staging").exists()


def test_since_takes_only_the_days_asked_for_and_an_empty_range_says_so(config, clock, tmp_path):
    everything = journal_records(config)
    later = clock.now() + 3 * 86400
    clock.wall = later
    run_sessions(config, clock, sessions=1)
    result = export_logs(config, tmp_path / "stick", clock=clock, since=date(2026, 5, 31))
    lines = (result.path / "events.jsonl").read_text().splitlines()
    assert 0 < len(lines) < len(journal_records(config))
    assert {json.loads(line)["uuid"] for line in lines}.isdisjoint(r.uuid for r in everything)
    nothing = export_logs(config, tmp_path / "stick", clock=clock, since=date(2030, 1, 1))
    assert nothing.outcome == EMPTY and "since 2030-01-01" in nothing.message


def test_a_kiosk_with_no_journal_has_nothing_to_export(tmp_path, clock):
    result = export_logs(kiosk_config(tmp_path / "none"), tmp_path / "stick", clock=clock)
    assert result.outcome == EMPTY and "nothing to export" in result.message
    assert not (tmp_path / "none" / "kiosk.sqlite3").exists()


def test_twenty_thousand_events_export_in_bounded_memory(tmp_path, clock):
    """Streamed: holding every event would take tens of MB here (bench/export.py measures 100,000)."""
    config = kiosk_config(tmp_path / "data")
    bulk_events(config, clock, 20_000)
    tracemalloc.start()
    try:
        result = export_logs(config, tmp_path / "stick", clock=clock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.outcome == DONE and result.events == 20_000
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_recipient_in_the_config_seals(config, hub_key, clock, tmp_path):
    from kiosk.config import ExportConfig

    sealed = export_logs(replace(config, export=ExportConfig(recipient=hub_key[0])), tmp_path / "stick", clock=clock)
    assert sealed.sealed and sealed.path.suffix == ".age"
    assert "sealed to the hub" in sealed.message


def test_an_event_after_a_clock_step_back_stays_in_a_since_export_and_in_its_counts(tmp_path, clock):
    config = kiosk_config(tmp_path / "data")
    run_sessions(config, clock, sessions=1)
    clock.wall -= 7 * 86400  # the Pi came up with a week-old clock
    journal = Journal(config.paths.database, clock)
    journal.append("clock.probe", {"at": clock.now()}).result(5)
    journal.close()
    result = export_logs(config, tmp_path / "stick", clock=clock, since=date(2026, 5, 28))
    lines = (result.path / "events.jsonl").read_text().splitlines()
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert json.loads(lines[-1])["kind"] == "clock.probe"
    assert manifest["counts"]["events"] == len(lines) == result.events
