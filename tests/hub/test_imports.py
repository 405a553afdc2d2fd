"""Importing USB exports into the hub: each event once, whether it came by stick, twice, or by sync too."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.config import ExportConfig
from kiosk.export.flow import DONE, export_logs
from kiosk.hub.exportkey import ensure_identity, identity_path
from kiosk.hub.imports import import_path
from kiosk.store.reader import read_journal
from tests.export.journals import kiosk_config, run_sessions


@pytest.fixture
def key(tmp_path: Path) -> tuple[str, Path]:
    recipient, _ = ensure_identity(tmp_path / "hubkey")
    return recipient, identity_path(tmp_path / "hubkey")


@pytest.fixture
def kiosk(tmp_path: Path):
    clock = FakeClock()
    config = kiosk_config(tmp_path / "kiosk")
    run_sessions(config, clock)
    with read_journal(config.paths.database) as reader:
        first, last, _ = reader.seq_range()
        records = list(reader.events(first, last))
    return config, clock, records


def _export(kiosk, tmp_path, recipient=None):
    config, clock, _ = kiosk
    if recipient:
        config = replace(config, export=ExportConfig(recipient=recipient))
    result = export_logs(config, tmp_path / "stick", clock=clock)
    assert result.outcome == DONE, result.message
    return result.path


def _stored(hub) -> list[str]:
    with hub.db.connection_context():
        return [e.uuid for e in hub.models.Event.select(hub.models.Event.uuid)]


def test_a_sealed_export_imported_twice_and_after_sync_stores_every_event_once(hub, make_kiosk, kiosk, key,
                                                                              tmp_path):
    config, _, records = kiosk
    room = make_kiosk("Willow room")
    room.device_id = records[0].device_id
    assert set(room.statuses([r.to_wire() for r in records[:10]])) == {"stored"}  # the same path as sync
    sealed = _export(kiosk, tmp_path, key[0])
    with hub.db.connection_context():
        first = import_path(hub, sealed, key[1], now=2e9)
        again = import_path(hub, sealed, key[1], now=2e9)
    assert first.ok and (first.stored, first.duplicate, first.rejected) == (len(records) - 10, 10, 0)
    assert (again.stored, again.duplicate) == (0, len(records))
    with hub.db.connection_context():
        seen = hub.models.Room.get(hub.models.Room.name == "Willow room").last_seen
    assert seen != 2e9  # a stick carried up is not the kiosk being online: the board keeps its real last contact
    assert "already there" in again.line()
    stored = _stored(hub)
    assert sorted(stored) == sorted(r.uuid for r in records) and len(stored) == len(set(stored))


def test_a_plain_export_folder_imports_and_a_changed_file_is_refused(hub, make_kiosk, kiosk, tmp_path):
    make_kiosk("Willow room")
    folder = _export(kiosk, tmp_path)
    with hub.db.connection_context():
        report = import_path(hub, folder, tmp_path / "no-key", now=2e9)
    assert report.ok and report.stored == len(kiosk[2])
    text = (folder / "events.jsonl").read_text()
    (folder / "events.jsonl").write_text(text.replace('"kind":"phase.changed"', '"kind":"phase.changeD"', 1))
    with hub.db.connection_context():
        tampered = import_path(hub, folder, tmp_path / "no-key", now=2e9)
    assert not tampered.ok and "does not match its manifest" in tampered.refused


def test_an_export_from_a_room_the_hub_does_not_know_says_how_to_add_it(hub, make_kiosk, kiosk, key, tmp_path):
    make_kiosk("Room 4")
    sealed = _export(kiosk, tmp_path, key[0])
    with hub.db.connection_context():
        report = import_path(hub, sealed, key[1], now=2e9)
    assert not report.ok
    assert "knows no room 'Willow room'" in report.refused and 'kiosk hub add-room "Willow room"' in report.refused
    assert _stored(hub) == []


def test_an_export_sealed_to_another_hub_is_refused(hub, make_kiosk, kiosk, key, tmp_path):
    make_kiosk("Willow room")
    other, _ = ensure_identity(tmp_path / "other-hub")
    sealed = _export(kiosk, tmp_path, other)
    with hub.db.connection_context():
        report = import_path(hub, sealed, key[1], now=2e9)
    assert not report.ok and "another hub's key" in report.refused
    with hub.db.connection_context():
        no_key = import_path(hub, sealed, tmp_path / "nowhere" / "export-identity.txt", now=2e9)
    assert "kiosk hub export-key" in no_key.refused


def test_staff_upload_a_sealed_export_on_the_logs_page(app, hub, make_kiosk, staff, kiosk, key, tmp_path):
    app.config["KIOSK_EXPORT_IDENTITY"] = str(key[1])
    make_kiosk("Willow room")
    sealed = _export(kiosk, tmp_path, key[0])
    page = staff.get("/logs").get_data(as_text=True)
    assert 'action="/logs/import"' in page and 'enctype="multipart/form-data"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def upload(*files):
        return staff.post("/logs/import", data={"csrf_token": token, "export": list(files)},
                          content_type="multipart/form-data", headers={"Referer": "http://localhost/logs"})

    first = upload((io.BytesIO(sealed.read_bytes()), sealed.name))
    assert first.status_code == 200, first.get_data(as_text=True)
    assert f"{len(kiosk[2])} stored" in first.get_data(as_text=True)
    second = upload((io.BytesIO(sealed.read_bytes()), sealed.name))
    assert f"0 stored,\n      {len(kiosk[2])} already there" in second.get_data(as_text=True)
    (tmp_path / "plain").mkdir()
    plain = _export(kiosk, tmp_path / "plain")
    files = [(io.BytesIO((plain / n).read_bytes()), n) for n in
             ("manifest.json", "events.jsonl", "events.csv", "sessions.csv")]
    third = upload(*files)
    assert third.status_code == 200 and "already there" in third.get_data(as_text=True)
    bad = upload((io.BytesIO(b"not age"), "x.age"))
    assert bad.status_code == 400 and "not imported" in bad.get_data(as_text=True)
    assert len(_stored(hub)) == len(kiosk[2])


def test_the_upload_needs_a_staff_login_and_the_csrf_token(app, hub, staff):
    anonymous = app.test_client()
    page = anonymous.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert anonymous.post("/logs/import", data={"csrf_token": token}).status_code == 302  # to the login
    assert staff.post("/logs/import", data={"export": [(io.BytesIO(b"x"), "x.age")]},
                      content_type="multipart/form-data").status_code == 403


def test_an_upload_larger_than_an_api_batch_is_taken_on_the_logs_page(app, hub, staff, tmp_path):
    """A year of a room's logs, sealed, is tens of MB: more than the 4 MB the kiosks' API accepts."""
    app.config["KIOSK_EXPORT_IDENTITY"] = str(tmp_path / "no-key")
    page = staff.get("/logs").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    big = io.BytesIO(b"x" * (6 * 1024 * 1024))
    response = staff.post("/logs/import", data={"csrf_token": token, "export": [(big, "big.age")]},
                          content_type="multipart/form-data", headers={"Referer": "http://localhost/logs"})
    assert response.status_code == 400  # read and refused for what it is, not 413 for its size
    assert "kiosk hub export-key" in response.get_data(as_text=True)


def test_an_export_in_welsh_imports_as_one_in_english_would(hub, make_kiosk, kiosk, tmp_path):
    """The CSV files speak the kiosk's language; the hub imports events.jsonl, which never changes with it,
    and the manifest keeps the column keys so a script maps a Welsh header back."""
    import csv
    import json

    from kiosk import language
    from kiosk.export.bundle import EVENT_COLUMNS, SESSION_COLUMNS

    config, _, records = kiosk
    make_kiosk("Willow room")
    (tmp_path / "en").mkdir()
    (tmp_path / "cy").mkdir()
    english = _export(kiosk, tmp_path / "en")
    try:
        language.use("cy")
        welsh = _export(kiosk, tmp_path / "cy")
    finally:
        language.use("en")
    assert (welsh / "events.jsonl").read_bytes() == (english / "events.jsonl").read_bytes()
    manifest = json.loads((welsh / "manifest.json").read_text())
    assert manifest["language"] == "cy"
    assert manifest["columns"] == {"sessions.csv": list(SESSION_COLUMNS), "events.csv": list(EVENT_COLUMNS)}
    with (welsh / "sessions.csv").open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:4] == ["ID y sesiwn", "cynllun", "dechrau", "sut y gorffennodd"] and len(header) == len(SESSION_COLUMNS)
    assert dict(zip(manifest["columns"]["sessions.csv"], rows[0]))["plan"] == "Session"
    with hub.db.connection_context():
        first = import_path(hub, welsh, tmp_path / "no-key", now=2e9)
        again = import_path(hub, english, tmp_path / "no-key", now=2e9)
    assert first.ok and (first.stored, first.rejected) == (len(records), 0), first.line()
    assert again.ok and (again.stored, again.duplicate) == (0, len(records))
