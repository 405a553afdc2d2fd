"""Opening the kiosk database with durability settings that survive a pulled plug.

WAL lets the UI and sync threads read while the journal writer commits;
synchronous=FULL makes each commit reach the disk before it is reported.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from peewee import DatabaseError, SqliteDatabase

from kiosk.store import migrations
from kiosk.store.models import Models, make_models

log = logging.getLogger(__name__)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "busy_timeout": 10_000,
    "foreign_keys": 1,
}


def writing(db: SqliteDatabase):
    """A write transaction that takes SQLite's write lock when it begins.

    Under a deferred BEGIN, a transaction that reads and then writes fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not cover) when another
    connection — `kiosk sync now` beside a running kiosk — committed after the read. BEGIN IMMEDIATE
    waits its turn (up to busy_timeout) instead.
    """
    return db.atomic("IMMEDIATE")


class DatabaseUnavailable(RuntimeError):
    """The kiosk's database cannot be opened; the message names the file and what to do."""


def open_database(path: Path | str, read_only: bool = False) -> tuple[SqliteDatabase, Models]:
    """The kiosk's database, migrated; read_only opens it as SQLite's mode=ro and never writes or migrates."""
    path = Path(path)
    try:
        if read_only:
            db = SqliteDatabase(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True,
                                pragmas={"busy_timeout": PRAGMAS["busy_timeout"], "query_only": 1},
                                check_same_thread=False)
            db.connect(reuse_if_open=True)
            models = make_models(db)
            migrations.check(db)
            return db, models
        path.parent.mkdir(parents=True, exist_ok=True)
        db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
        db.connect(reuse_if_open=True)
        models = make_models(db)
        migrations.migrate(db, models)
    except (OSError, DatabaseError) as exc:
        raise DatabaseUnavailable(
            f"cannot open the kiosk's database {path}: {exc}. Check that the folder exists, is writable "
            "by this user and the disk is not full; choose another with --data DIR or [paths] data") from exc
    return db, models
