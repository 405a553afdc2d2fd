"""The export bundle: sessions.csv and events.csv for people, events.jsonl for machines, manifest.json.

Written file by file into a folder, streamed from the journal: the events are read one row at a time
and each session's records are held only while its row is written, so a year of logs (100,000
events) exports in bounded memory. Each file's SHA-256 and size are taken as it is written and go
into the manifest, which the hub checks on import.

CSV files are UTF-8 with a byte-order mark (so Excel reads them as UTF-8; LibreOffice asks or
detects it), times are ISO 8601 with their zone offset, and text that a spreadsheet would run as a
formula is quoted (the same guard as the hub's CSV download).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, Callable

from kiosk import language
from kiosk.language import N_, _
from kiosk.local_time import clock, iso
from kiosk.session import facts as F
from kiosk.session.plan import RITUAL_PHASES
from kiosk.session.record import EventRecord, iso_utc
from kiosk.session_report import SessionSummary, began, call_story, minutes_text, phase_word, summarise
from kiosk.spreadsheet import csv_cell
from kiosk.store.reader import JournalReader, RawEvent

FORMAT = "room-kiosk export"
VERSION = 1
SESSIONS, EVENTS_CSV, EVENTS_JSONL, MANIFEST = "sessions.csv", "events.csv", "events.jsonl", "manifest.json"
DATA_FILES = (SESSIONS, EVENTS_CSV, EVENTS_JSONL)
CHUNK = 64 * 1024

EVENT_COLUMNS = ("local_time", "wall_utc", "clock_trusted", "room", "device_id", "seq", "session_id", "kind",
                 "payload", "uuid")
PHASES = tuple(str(phase) for phase in RITUAL_PHASES)
SESSION_COLUMNS = (("session_id", "plan", "started", "how_it_ended", "must_end_by")
                   + tuple(f"{p}_{w}" for p in PHASES
                           for w in ("planned_start", "planned_end", "actual_start", "actual_end", "began"))
                   + ("extensions", "cues", "help_calls", "interruptions", "clock_steps", "ended"))
# The CSV files are for people: their header row is in the kiosk's language. English says the stable column
# keys themselves (what scripts and the tests read), and manifest.json lists those keys in order ("columns"),
# so a program maps any language's header back by position. Nothing re-imports the CSV files (the hub
# imports events.jsonl).
# TRANSLATORS: column headers of the export's sessions.csv and events.csv (a spreadsheet); short words
HEADERS = {
    "local_time": N_("local_time"), "wall_utc": N_("wall_utc"), "clock_trusted": N_("clock_trusted"),
    "room": N_("room"), "device_id": N_("device_id"), "seq": N_("seq"), "session_id": N_("session_id"),
    "kind": N_("kind"), "payload": N_("payload"), "uuid": N_("uuid"), "plan": N_("plan"), "started": N_("started"),
    "how_it_ended": N_("how_it_ended"), "must_end_by": N_("must_end_by"),
    "opening_planned_start": N_("opening_planned_start"), "opening_planned_end": N_("opening_planned_end"),
    "opening_actual_start": N_("opening_actual_start"), "opening_actual_end": N_("opening_actual_end"),
    "opening_began": N_("opening_began"),
    "holding_planned_start": N_("holding_planned_start"), "holding_planned_end": N_("holding_planned_end"),
    "holding_actual_start": N_("holding_actual_start"), "holding_actual_end": N_("holding_actual_end"),
    "holding_began": N_("holding_began"),
    "closing_planned_start": N_("closing_planned_start"), "closing_planned_end": N_("closing_planned_end"),
    "closing_actual_start": N_("closing_actual_start"), "closing_actual_end": N_("closing_actual_end"),
    "closing_began": N_("closing_began"),
    "extensions": N_("extensions"), "cues": N_("cues"), "help_calls": N_("help_calls"),
    "interruptions": N_("interruptions"), "clock_steps": N_("clock_steps"), "ended": N_("ended")}


def header(columns: tuple[str, ...]) -> list[str]:
    """The header row in the kiosk's language (English: the column keys)."""
    return [_(HEADERS[c]) for c in columns]


Progress = Callable[[int], None]


@dataclass(frozen=True)
class FileSum:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    name: str
    room: str
    device_id: str
    seq_first: int
    seq_last: int
    events: int
    sessions: int
    exported_at: float
    since: str | None
    timezone: str
    files: dict[str, FileSum] = field(default_factory=dict)
    language: str = language.SOURCE  # the CSV files' words and header rows

    @property
    def data_bytes(self) -> int:
        return sum(f.bytes for f in self.files.values())

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "name": self.name, "room": self.room,
                "device_id": self.device_id, "seq_first": self.seq_first, "seq_last": self.seq_last,
                "counts": {"events": self.events, "sessions": self.sessions},
                "exported_at": iso_utc(self.exported_at), "since": self.since, "timezone": self.timezone,
                "language": self.language,
                "columns": {SESSIONS: list(SESSION_COLUMNS), EVENTS_CSV: list(EVENT_COLUMNS)},
                "files": {n: {"sha256": f.sha256, "bytes": f.bytes} for n, f in self.files.items()}}


class HashingWriter(io.RawIOBase):
    """A binary sink that hashes and counts what passes through, and reports progress in bytes."""

    def __init__(self, sink: IO[bytes], progress: Progress | None = None) -> None:
        self.sink = sink
        self.sha = hashlib.sha256()
        self.bytes = 0
        self.progress = progress

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        self.sink.write(view)
        self.sha.update(view)
        self.bytes += len(view)
        if self.progress:
            self.progress(len(view))
        return len(view)

    def summary(self) -> FileSum:
        return FileSum(self.sha.hexdigest(), self.bytes)


def write_bundle(reader: JournalReader, folder: Path, *, name: str, room: str, zone: tzinfo, zone_name: str,
                 first_seq: int, last_seq: int, events: int, now: float, since: str | None,
                 progress: Progress | None = None) -> Manifest:
    """Writes the four files into folder (which exists and is empty) and returns the manifest."""
    device_id = reader.meta("device_id") or "unknown-device"
    sums: dict[str, FileSum] = {}
    safe_room = csv_cell(room)
    with _open_text(folder / EVENTS_JSONL, progress, csv_file=False) as (jsonl, jsonl_sink), \
            _open_text(folder / EVENTS_CSV, progress) as (text, csv_sink):
        writer = csv.writer(text)
        writer.writerow(header(EVENT_COLUMNS))
        yes, no = _("yes"), _("no")
        for row in reader.rows(first_seq, last_seq):
            wall = iso_utc(row.wall)
            jsonl.write(wire_line(row, wall))
            writer.writerow((iso(row.wall, zone), wall, yes if row.clock_trusted else no, safe_room,
                             csv_cell(row.device_id), row.seq, csv_cell(row.session_id or ""), csv_cell(row.kind),
                             csv_cell(readable_payload(row.payload)), row.uuid))
    sums[EVENTS_JSONL] = jsonl_sink.summary()
    sums[EVENTS_CSV] = csv_sink.summary()
    sessions = 0
    with _open_text(folder / SESSIONS, progress) as (text, sink):
        writer = csv.writer(text)
        writer.writerow(header(SESSION_COLUMNS))
        for start in reader.session_starts(first_seq, last_seq):
            if start.session_id is None:
                continue
            summary = summarise(start, reader.session(start.session_id, last_seq))
            writer.writerow([csv_cell(v) for v in session_row(summary, zone)])
            sessions += 1
    sums[SESSIONS] = sink.summary()
    manifest = Manifest(name=name, room=room, device_id=device_id, seq_first=first_seq, seq_last=last_seq,
                        events=events, sessions=sessions, exported_at=now, since=since, timezone=zone_name,
                        files=sums, language=language.current())
    (folder / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


class _open_text:
    """A text file over a HashingWriter: UTF-8 (with a BOM for CSV), newlines left to the csv module."""

    def __init__(self, path: Path, progress: Progress | None, csv_file: bool = True) -> None:
        self.raw = path.open("xb")
        self.sink = HashingWriter(self.raw, progress)
        self.text = io.TextIOWrapper(io.BufferedWriter(self.sink, CHUNK), encoding="utf-8-sig" if csv_file
                                     else "utf-8", newline="" if csv_file else "\n", write_through=False)

    def __enter__(self) -> tuple[io.TextIOWrapper, HashingWriter]:
        return self.text, self.sink

    def __exit__(self, *exc: Any) -> None:
        try:
            self.text.flush()
            self.text.detach().flush()
        finally:
            self.raw.close()


def readable_payload(text: str) -> str:
    """The payload for people: the journal's JSON, with any \\u escapes shown as the letters they are."""
    if "\\u" not in text:
        return text
    return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def wire_line(row: RawEvent, wall: str) -> str:
    """One line of events.jsonl: the event as EventRecord.to_wire gives it, the journal's payload text
    embedded as it is (it is already JSON), so a year of events is not decoded and encoded again."""
    envelope = json.dumps({"uuid": row.uuid, "seq": row.seq, "device_id": row.device_id, "wall": wall,
                           "mono": row.mono, "boot_id": row.boot_id, "clock_trusted": bool(row.clock_trusted),
                           "session_id": row.session_id, "kind": row.kind}, separators=(",", ":"))
    return f'{envelope[:-1]},"payload":{row.payload}}}\n'


def _hm(ts: float | None, zone: tzinfo) -> str:
    return clock(ts, zone, seconds=True, missing="?")


def session_row(s: SessionSummary, zone: tzinfo) -> list[Any]:
    """The sessions.csv row: the facts of `kiosk sessions`, times in ISO 8601, words in the kiosk's language."""
    state = s.state
    row: list[Any] = [s.start.session_id, state.plan.name if state.plan else "?", iso(s.start.wall, zone),
                      s.status, iso(state.hard_end_at, zone)]
    by_phase = {str(p.phase): p for p in state.phases}
    for name in PHASES:
        p = by_phase.get(name)
        if p is None:
            row += ["", "", "", "", ""]
            continue
        row += [iso(p.planned_start, zone), iso(p.planned_end, zone), iso(p.actual_start, zone),
                iso(p.actual_end, zone), began(p.phase, p.reason)]
    row.append("; ".join(_("{phase} +{length}").format(phase=phase_word(phase), length=minutes_text(seconds))
                         for phase, seconds in state.extensions))
    row.append("; ".join(_("{phase} {length} before its end, at {time}").format(
        phase=phase_word(c.payload.get("phase", "?")), length=minutes_text(float(c.payload.get("lead", 0))),
        time=_hm(c.payload.get("at", c.wall), zone)) for c in s.cues))
    row.append(" | ".join(call_story(c, s.records, zone, time_of=_hm) for c in s.calls))
    row.append("; ".join(_interruption(r, zone) for r in s.interruptions))
    row.append("; ".join(_("{offset} s at {time}").format(offset=f"{float(r.payload.get('offset', 0)):+.0f}",
                                                          time=_hm(r.payload.get("at"), zone))
                         for r in s.clock_steps))
    row.append(iso(state.ended_at, zone))
    return row


def _interruption(r: EventRecord, zone: tzinfo) -> str:
    d = r.payload
    if d.get("length_known", True) and "from" in d and isinstance(d.get("down_by"), (int, float)) \
            and d["from"] < d["down_by"] < d.get("to", 0):
        return _("stopped between {start} and {down_by}, back {back} ({least} to {most})").format(
            start=_hm(d["from"], zone), down_by=_hm(d["down_by"], zone), back=_hm(d.get("to"), zone),
            least=minutes_text(float(d.get("seconds_at_least", 0))), most=minutes_text(float(d.get("seconds", 0))))
    if d.get("length_known", True) and "from" in d:
        return f"{_hm(d['from'], zone)}-{_hm(d.get('to'), zone)} ({minutes_text(float(d.get('seconds', 0)))})"
    return _("until {time}, length unknown").format(time=_hm(d.get("to"), zone))


def read_manifest(data: bytes) -> dict[str, Any]:
    """The manifest as JSON, checked for the keys an importer needs (ValueError names what is wrong)."""
    try:
        m = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{MANIFEST} is not JSON: {exc}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise ValueError(f"{MANIFEST} is not a room kiosk export's manifest")
    if m.get("version") != VERSION:
        raise ValueError(f"{MANIFEST} is version {m.get('version')!r}; this hub reads version {VERSION}: "
                         "update the hub")
    for key in ("device_id", "room", "files"):
        if key not in m:
            raise ValueError(f"{MANIFEST} has no {key!r}")
    return m

