"""Schema versions, tracked in SQLite's user_version. Each step runs once, the waiting ones in one transaction."""

from __future__ import annotations

import logging
from typing import Callable

from peewee import SqliteDatabase

log = logging.getLogger(__name__)


def _v1(db: SqliteDatabase, models) -> None:
    db.create_tables(models.all())


STEPS: list[Callable] = [_v1]


class SchemaTooNew(RuntimeError):
    """The data folder was written by a newer kiosk."""


def _version(db: SqliteDatabase) -> int:
    current = db.execute_sql("PRAGMA user_version").fetchone()[0]
    if current > len(STEPS):
        raise SchemaTooNew(
            f"{db.database} has schema version {current}, this kiosk knows up to {len(STEPS)}: "
            "install the newer kiosk version, or restore the data folder from a backup")
    return current


def check(db: SqliteDatabase) -> int:
    """For a reader: the schema must not be newer than this kiosk knows (an older one is upgraded by the kiosk)."""
    return _version(db)


def migrate(db: SqliteDatabase, models) -> int:
    """Bring the schema up to date; two processes opening a new file at once migrate it once."""
    if _version(db) == len(STEPS):
        return len(STEPS)
    with db.atomic("IMMEDIATE"):  # the version is read again under the write lock
        for version in range(_version(db) + 1, len(STEPS) + 1):
            STEPS[version - 1](db, models)
            db.execute_sql(f"PRAGMA user_version = {version}")
            log.info("database %s migrated to schema version %d", db.database, version)
    return len(STEPS)
