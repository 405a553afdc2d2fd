"""The USB write on real file systems: FAT through fusefat, a full tmpfs, a read-only mount, a stick
that goes away mid-write. Every failure says so, leaves no partial file where the stick allows it,
and journals export.failed; success is read back from a fresh mount."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile

import pytest

from kiosk.export.flow import DONE, FULL, READ_ONLY, REMOVED, STICK_FOLDER, export_logs
from kiosk.export.safewrite import PARTIAL
from tests.export.conftest import journal_records
from tests.export.sticks import fat_stick, tmpfs_stick
from tests.needs import need_tool


def _all_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_plain_export_onto_a_fat_stick_reads_back_after_remounting(config, clock, tmp_path):
    with fat_stick(tmp_path) as stick:
        result = export_logs(config, stick.path / STICK_FOLDER, clock=clock)
        assert result.outcome == DONE, result.message
        assert "Safe to remove" in result.message
        manifest = json.loads((result.path / "manifest.json").read_text())
        with stick.remounted() as fresh:
            folder = fresh / STICK_FOLDER / result.path.name
            for name, entry in manifest["files"].items():
                assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
            assert not [p for p in _all_files(fresh) if PARTIAL in p]
    # mtools reads the image without any FUSE driver: the long names are what FAT stored
    # (MTOOLS_SKIP_CHECK: fusefat leaves the FAT's first bytes in a form mtools is strict about)
    mdir = subprocess.run([need_tool("mdir", "mtools"), "-i", str(stick.image), f"::/{STICK_FOLDER}"],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "MTOOLS_SKIP_CHECK": "1"}).stdout
    assert result.path.name in mdir


def test_a_sealed_export_on_fat_is_opened_by_the_age_tool_and_matches_the_journal(sealed_config, hub_key, clock,
                                                                                  tmp_path):
    age = need_tool("age")
    records = journal_records(sealed_config)
    with fat_stick(tmp_path) as stick:
        result = export_logs(sealed_config, stick.path / STICK_FOLDER, clock=clock)
        assert result.outcome == DONE and result.sealed, result.message
        with stick.remounted() as fresh:
            sealed = fresh / STICK_FOLDER / result.path.name
            label = json.loads(sealed.with_name(sealed.name.replace(".age", ".label.json")).read_text())
            data = sealed.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    assert label["sha256"] == hashlib.sha256(data).hexdigest() and label["seq_last"] == records[-1].seq
    assert b"Willow room" not in data and records[0].uuid.encode() not in data
    plain = subprocess.run([age, "-d", "-i", str(hub_key[1])], input=data, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        name = label["name"]
        lines = tar.extractfile(f"{name}/events.jsonl").read().decode().splitlines()
        manifest = json.loads(tar.extractfile(f"{name}/manifest.json").read())
    assert [json.loads(line) for line in lines] == [r.to_wire() for r in records]
    assert manifest["counts"]["events"] == len(records)


def test_a_full_stick_stops_before_writing_and_says_how_much_is_needed(config, clock, tmp_path):
    with tmpfs_stick(tmp_path, size="12k") as stick:
        result = export_logs(config, stick / STICK_FOLDER, clock=clock)
        assert result.outcome == FULL
        assert "the stick is full: this export needs" in result.message and result.needed > 12 * 1024
        assert _all_files(stick) in ([], [STICK_FOLDER])


def test_a_stick_that_fills_up_mid_write_leaves_no_partial_file(config, clock, tmp_path, monkeypatch):
    """The free-space check said yes (FAT cluster slack, another writer): the ENOSPC mid-write still stops it."""
    from kiosk.export import safewrite

    monkeypatch.setattr(safewrite, "free_bytes", lambda _folder: 10**9)
    with tmpfs_stick(tmp_path, size="16k") as stick:
        result = export_logs(config, stick / STICK_FOLDER, clock=clock)
        assert result.outcome == FULL, result.message
        assert "needs" in result.message
        assert not [p for p in _all_files(stick) if p != STICK_FOLDER]


def test_a_read_only_stick_is_named_and_nothing_is_written(config, clock, tmp_path):
    before = journal_records(config)
    with tmpfs_stick(tmp_path, read_only=True) as stick:
        result = export_logs(config, stick / STICK_FOLDER, clock=clock)
        assert result.outcome == READ_ONLY and "read-only" in result.message
    assert journal_records(config) == before


@pytest.mark.parametrize("how", ["unmounted", "driver gone"])
def test_a_stick_removed_mid_write_never_claims_success(config, clock, tmp_path, how):
    from kiosk.export.flow import EXPORT_FAILED
    from kiosk.store.journal import Journal

    journal = Journal(config.paths.database, clock)
    with fat_stick(tmp_path) as stick:
        pulled = []

        def progress(p):
            if p.stage == "writing" and p.done > 0 and not pulled:
                pulled.append(p.done)
                if how == "unmounted":
                    stick.unmount(lazy=True)
                else:
                    stick.pull()

        try:
            result = export_logs(config, stick.path / STICK_FOLDER, clock=clock, progress=progress,
                                 journal_event=lambda kind, data: journal.append(kind, data).result(5))
        finally:
            journal.close()
        assert pulled
        assert result.outcome == REMOVED, result.message
        assert "did NOT finish" in result.message and "Safe to remove" not in result.message
        last = journal_records(config)[-1]
        assert last.kind == EXPORT_FAILED and last.payload["reason"] == REMOVED
        stick.unmount()
        stick.pull()
        stick.mount()
        found = _all_files(stick.path)
        assert not [p for p in found if p.endswith("manifest.json")], found
