"""Opening the hub's database: SQLite in the data folder, or PostgreSQL shared by several hub processes.

Several `kiosk hub serve` processes may start at once against one PostgreSQL database, so schema
creation runs under a transaction-scoped advisory lock and uses CREATE ... IF NOT EXISTS. Values all
processes must agree on (the session secret) live in the database, not in a process.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import Database, InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import parse as parse_db_url
from playhouse.pool import PooledPostgresqlDatabase

from kiosk.hub.models import HubModels, make_models
from kiosk.session import facts as F
from kiosk.session.help import presses_of

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # 2: hub_staff_session (server-side staff logins); 3: hub_help_call.pressed_again;
#                     4: hub_alert (the staff-alert outbox), hub_help_call.reached_at and .escalated_at
SQLITE_FILE = "hub.sqlite3"
SQLITE_PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 15_000, "foreign_keys": 1}
_MIGRATION_LOCK = 0x6B696F736B  # "kiosk": the advisory lock key every hub process takes to migrate

# What "the database cannot commit now" looks like; answered 503 with Retry-After.
UNAVAILABLE = (OperationalError, InterfaceError)


class HubDatabaseError(RuntimeError):
    """The database URL or schema is not usable; the message says what to do."""


@dataclass
class HubDatabase:
    db: Database
    models: HubModels
    url: str
    alerts: Any = None   # the hub's AlertSettings (kiosk.hub.notify.channels); None: no channels

    @property
    def is_postgres(self) -> bool:
        return not isinstance(self.db, SqliteDatabase)

    def write(self):
        """A write transaction. SQLite takes the write lock up front so two writers never deadlock."""
        if isinstance(self.db, SqliteDatabase):
            return self.db.atomic("IMMEDIATE")
        return self.db.atomic()

    def setting(self, key: str) -> str | None:
        row = self.models.Setting.get_or_none(self.models.Setting.key == key)
        return row.value if row else None

    def ensure_setting(self, key: str, value: str) -> str:
        """Sets key to value unless some process already set it; returns the value that won."""
        Setting = self.models.Setting
        Setting.insert(key=key, value=value).on_conflict_ignore().execute()
        return Setting.get(Setting.key == key).value

    def session_secret(self) -> str:
        return self.ensure_setting("session_secret", secrets.token_hex(32))

    def close(self) -> None:
        if isinstance(self.db, PooledPostgresqlDatabase):
            self.db.close_all()
        elif not self.db.is_closed():
            self.db.close()


def default_data_dir() -> Path:
    env = os.environ.get("KIOSK_HUB_DATA")
    if env:
        return Path(env)
    system = Path("/var/lib/room-kiosk-hub")
    if system.is_dir() and os.access(system, os.W_OK):
        return system
    return Path("hub-data")


def database_url(data_dir: Path, database: str | None) -> str:
    if database:
        return database
    return f"sqlite:///{(Path(data_dir) / SQLITE_FILE).resolve()}"


def make_database(url: str, max_connections: int = 32) -> Database:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("postgres", "postgresql", "postgres+pool", "postgresql+pool"):
        params = parse_db_url(url.replace("+pool", "", 1))
        name = params.pop("database", None)
        if not name:
            raise HubDatabaseError(f"{url!r} names no database: use postgresql://user@host:5432/DBNAME")
        return PooledPostgresqlDatabase(name, max_connections=max_connections, stale_timeout=300,
                                        timeout=10, **params)
    if scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[len("sqlite://"):]
        if not path:
            raise HubDatabaseError(f"{url!r} names no file: use sqlite:////absolute/path/hub.sqlite3")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    raise HubDatabaseError(f"unsupported database URL {url!r}: use postgresql://user@host:port/db, "
                           "or leave --database out for SQLite in the data folder")


def open_hub_database(data_dir: Path | str, database: str | None = None,
                      max_connections: int = 32) -> HubDatabase:
    """Connects, creates or checks the schema, and returns the hub database (connection closed)."""
    url = database_url(Path(data_dir), database)
    db = make_database(url, max_connections=max_connections)
    hub = HubDatabase(db, make_models(db), url)
    try:
        with db.connection_context():
            migrate(hub)
    except UNAVAILABLE as exc:
        hub.close()
        raise HubDatabaseError(f"cannot open the hub database {redact(url)}: {exc}".strip()) from exc
    return hub


def _current_version(hub: HubDatabase) -> int | None:
    """The schema version without touching DDL: every CLI call and hub start opens the database,
    and CREATE ... IF NOT EXISTS under live upload traffic on PostgreSQL can deadlock."""
    Setting = hub.models.Setting
    if not hub.db.table_exists(Setting._meta.table_name):
        return None
    row = Setting.get_or_none(Setting.key == "schema_version")
    return int(row.value) if row else None


def migrate(hub: HubDatabase) -> None:
    found = _current_version(hub)
    if found == SCHEMA_VERSION:
        return
    if found is not None and found > SCHEMA_VERSION:
        raise HubDatabaseError(f"the hub database has schema version {found}, this hub knows up to "
                               f"{SCHEMA_VERSION}: upgrade room-kiosk on this machine")
    with hub.write():
        if hub.is_postgres:
            hub.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        hub.db.create_tables(hub.models.all(), safe=True)
        Setting = hub.models.Setting
        Setting.insert(key="schema_version", value=str(SCHEMA_VERSION)).on_conflict_ignore().execute()
        found = int(Setting.get(Setting.key == "schema_version").value)
        if found < SCHEMA_VERSION:
            # Steps that add tables are done by create_tables(safe=True) above; columns are added here.
            if found < 3:
                _add_pressed_again(hub)
            if found < 4:
                _add_alert_columns(hub)
            Setting.update(value=str(SCHEMA_VERSION)).where(Setting.key == "schema_version").execute()
            log.info("hub database schema upgraded from version %d to %d", found, SCHEMA_VERSION)
            found = SCHEMA_VERSION
    if found > SCHEMA_VERSION:
        raise HubDatabaseError(f"the hub database has schema version {found}, this hub knows up to "
                               f"{SCHEMA_VERSION}: upgrade room-kiosk on this machine")


def _add_pressed_again(hub: HubDatabase) -> None:
    """3: presses again are counted in a column as they arrive, not by searching stored JSON."""
    if "pressed_again" not in {c.name for c in hub.db.get_columns("hub_help_call")}:
        hub.db.execute_sql("ALTER TABLE hub_help_call ADD COLUMN pressed_again INTEGER NOT NULL DEFAULT 0")
    Event, HelpCall = hub.models.Event, hub.models.HelpCall
    counts: dict[tuple[int, str], int] = {}
    for room_id, payload in Event.select(Event.room, Event.payload).where(Event.kind == F.HELP_REPEATED).tuples():
        data = json.loads(payload)
        key = (room_id, str(data.get("call_id")))
        counts[key] = counts.get(key, 0) + presses_of(data)
    for (room_id, call_id), n in counts.items():
        HelpCall.update(pressed_again=n).where((HelpCall.room == room_id) & (HelpCall.call_id == call_id)).execute()


def _add_alert_columns(hub: HubDatabase) -> None:
    """4: when the hub first heard of each call (a late call says so) and when it was escalated.
    Calls already held get reached_at = their press (not known better), so none shows as late."""
    present = {c.name for c in hub.db.get_columns("hub_help_call")}
    for column in ("reached_at", "escalated_at"):
        if column not in present:
            hub.db.execute_sql(f"ALTER TABLE hub_help_call ADD COLUMN {column} DOUBLE PRECISION")
    HelpCall = hub.models.HelpCall
    HelpCall.update(reached_at=HelpCall.raised_at).where(HelpCall.reached_at.is_null()).execute()


def redact(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
