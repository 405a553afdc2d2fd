"""Schema versions, tracked in SQLite's user_version. Each step runs once, in a transaction."""

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


def migrate(db: SqliteDatabase, models) -> int:
    current = db.execute_sql("PRAGMA user_version").fetchone()[0]
    if current > len(STEPS):
        raise SchemaTooNew(
            f"{db.database} has schema version {current}, this kiosk knows up to {len(STEPS)}: "
            "install the newer kiosk version, or restore the data folder from a backup")
    for version in range(current + 1, len(STEPS) + 1):
        with db.atomic():
            STEPS[version - 1](db, models)
            db.execute_sql(f"PRAGMA user_version = {version}")
        log.info("database %s migrated to schema version %d", db.database, version)
    return len(STEPS)
