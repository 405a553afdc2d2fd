"""Reopening a hub database (every CLI call and hub start does) issues no DDL: under live upload
traffic on PostgreSQL, CREATE ... IF NOT EXISTS can deadlock against the uploads."""

from __future__ import annotations

import logging

import pytest

from kiosk.hub.database import open_hub_database


def statements(caplog) -> list[str]:
    return [str(r.msg[0] if isinstance(r.msg, tuple) else r.getMessage()) for r in caplog.records
            if r.name == "peewee"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_second_open_creates_nothing(tmp_path, caplog, backend, request):
    database = None
    if backend == "postgresql":
        from tests.hub.hubproc import fresh_postgres_database
        from tests.needs import need_postgres

        ctx = fresh_postgres_database(need_postgres(), "reopen")
        database = ctx.__enter__()
        request.addfinalizer(lambda: ctx.__exit__(None, None, None))
    open_hub_database(tmp_path, database).close()
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        hub = open_hub_database(tmp_path, database)
        hub.close()
    sql = " ".join(statements(caplog)).upper()
    assert "SELECT" in sql
    assert "CREATE" not in sql
