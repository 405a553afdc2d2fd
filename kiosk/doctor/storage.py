"""The data folder (writable, on persistent storage, with free space) and the journal's integrity."""

from __future__ import annotations

import os
import sqlite3

from kiosk.config import Config
from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host
from kiosk.doctor.mounts import mount_of, ram_reason

KIOSK_USER = "kiosk"
LOW_SPACE = 200 * 1024 * 1024


def check_data(host: Host, config: Config) -> list[Finding]:
    data = config.paths.data
    if not data.is_dir():
        return [problem("data", f"the data folder {data} does not exist",
                        f"sudo install -d -o {KIOSK_USER} -g {KIOSK_USER} -m 0750 {data} (deploy/install.sh does it)")]
    findings = []
    if not os.access(data, os.W_OK | os.X_OK):
        findings.append(problem("data", f"{data} is not writable by this user (run the doctor as the kiosk: "
                                        "sudo -u kiosk kiosk doctor)",
                                f"sudo chown -R {KIOSK_USER}:{KIOSK_USER} {data}"))
    mounts = host.mounts()
    where = host.as_mounted(data)
    reason = ram_reason(where, mounts)
    mount = mount_of(where, mounts)
    if reason:
        findings.append(problem("data", f"{reason}: a power cut would lose every log",
                                "put the data folder on a writable partition (README: Read-only root), or turn the "
                                "overlay file system off in raspi-config"))
    elif mount is not None and mount.read_only:
        findings.append(problem("data", f"{data} is on a read-only mount ({mount.point})",
                                "mount the data partition read-write (README: Read-only root)"))
    try:
        free = host.free_bytes(data)
    except OSError as exc:
        free = None
        findings.append(problem("data", f"cannot tell the free space of {data}: {exc}", "check the disk: df -h"))
    if free is not None and free < LOW_SPACE:
        findings.append(problem("data", f"only {free // (1024 * 1024)} MB free for {data}",
                                "free space on that partition (old logs are safe to export first: USB or Wi-Fi)"))
    if not findings:
        on = f"{mount.fstype} at {mount.point}" if mount else "its disk"
        findings.append(ok("data", f"{data}: writable, on {on}, {free / 1e9:.1f} GB free"))
    return findings


def check_journal(config: Config) -> list[Finding]:
    db = config.paths.database
    if not db.exists():
        return [note("journal", f"no journal yet at {db} (the first start creates it)")]
    try:
        rows = _quick_check(f"file:{db}?mode=ro")
    except sqlite3.OperationalError:
        try:  # the WAL's shared memory file is not ours to create: read the main file as it stands
            rows = _quick_check(f"file:{db}?immutable=1")
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return [ok("journal", f"{db}: intact (SQLite quick_check)")]
    return [problem("journal", f"{db} is damaged: {'; '.join(rows[:3])}",
                    "stop the kiosk (sudo systemctl stop room-kiosk), copy the whole data folder somewhere safe "
                    "before anything else (unsynced logs are in it), then ask for help")]


def _quick_check(uri: str) -> list[str]:
    con = sqlite3.connect(uri, uri=True, timeout=2)
    try:
        return [row[0] for row in con.execute("PRAGMA quick_check")]
    finally:
        con.close()
