"""Reopening a hub database (every CLI call and hub start does) issues no DDL: under live upload
traffic on PostgreSQL, CREATE ... IF NOT EXISTS can deadlock against the uploads."""

from __future__ import annotations

import logging

import pytest

from kiosk.hub.database import SCHEMA_VERSION, open_hub_database


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


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_version_1_database_gains_the_staff_session_table_and_keeps_its_data(tmp_path, backend, request):
    """Hubs made before server-side staff sessions: the first open adds the table and says version 2;
    rooms, events and passwords stay, and reopening afterwards again creates nothing."""
    from kiosk.hub.auth import set_password, verify_staff
    from kiosk.hub.rooms import add_room, room_for_token

    database = None
    if backend == "postgresql":
        from tests.hub.hubproc import fresh_postgres_database
        from tests.needs import need_postgres

        ctx = fresh_postgres_database(need_postgres(), "upgrade")
        database = ctx.__enter__()
        request.addfinalizer(lambda: ctx.__exit__(None, None, None))
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        token = add_room(hub, "Room 3")
        set_password(hub, "staff", "correct horse")
        hub.db.drop_tables([hub.models.StaffSession])
        hub.models.Setting.update(value="1").where(hub.models.Setting.key == "schema_version").execute()
    hub.close()
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        assert hub.setting("schema_version") == str(SCHEMA_VERSION)
        assert hub.db.table_exists("hub_staff_session")
        assert room_for_token(hub, token).name == "Room 3"
        assert verify_staff(hub, "staff", "correct horse") is not None
    hub.close()
    caplog = request.getfixturevalue("caplog")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        open_hub_database(tmp_path, database).close()
    assert "CREATE" not in " ".join(statements(caplog)).upper()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_version_2_database_counts_the_presses_again_it_already_holds(tmp_path, backend, request):
    """3: presses again live in a column; the upgrade counts the stored help.repeated events,
    each standing for its `presses` (a coalesced chattering button) or one."""
    from kiosk.hub.rooms import add_room

    database = None
    if backend == "postgresql":
        from tests.hub.hubproc import fresh_postgres_database
        from tests.needs import need_postgres

        ctx = fresh_postgres_database(need_postgres(), "presses")
        database = ctx.__enter__()
        request.addfinalizer(lambda: ctx.__exit__(None, None, None))
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        add_room(hub, "Room 3")
        room = hub.models.Room.get()
        hub.models.HelpCall.insert(room=room, call_id="c1", state="raised", rank=0, changed_at=1.0).execute()
        for n, payload in enumerate(['{"call_id": "c1", "presses": 3}', '{"call_id": "c1"}',
                                     '{"call_id": "other", "presses": 2}']):
            hub.models.Event.insert(uuid=f"00000000-0000-4000-8000-00000000000{n}", room=room, device_id="d",
                                    seq=n + 1, wall=1.0, mono=1.0, boot_id="b", clock_trusted=True,
                                    kind="help.repeated", payload=payload, received_at=1.0).execute()
        hub.db.execute_sql("ALTER TABLE hub_help_call DROP COLUMN pressed_again")
        hub.models.Setting.update(value="2").where(hub.models.Setting.key == "schema_version").execute()
    hub.close()
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        assert hub.setting("schema_version") == str(SCHEMA_VERSION)
        assert hub.models.HelpCall.get(hub.models.HelpCall.call_id == "c1").pressed_again == 4
    hub.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_version_3_database_gains_the_alert_outbox_and_the_call_times(tmp_path, backend, request):
    """4: hub_alert (the staff-alert outbox) and hub_help_call.reached_at/escalated_at. Calls already held
    reach the hub at their press (none shows as late), none is escalated; reopening creates nothing."""
    from kiosk.hub.rooms import add_room

    database = None
    if backend == "postgresql":
        from tests.hub.hubproc import fresh_postgres_database
        from tests.needs import need_postgres

        ctx = fresh_postgres_database(need_postgres(), "alerts")
        database = ctx.__enter__()
        request.addfinalizer(lambda: ctx.__exit__(None, None, None))
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        add_room(hub, "Room 3")
        room = hub.models.Room.get()
        hub.models.HelpCall.insert(room=room, call_id="c1", state="raised", rank=0, raised_at=1000.0,
                                   changed_at=1.0).execute()
        hub.db.drop_tables([hub.models.Alert])
        hub.db.execute_sql("ALTER TABLE hub_help_call DROP COLUMN reached_at")
        hub.db.execute_sql("ALTER TABLE hub_help_call DROP COLUMN escalated_at")
        hub.models.Setting.update(value="3").where(hub.models.Setting.key == "schema_version").execute()
    hub.close()
    hub = open_hub_database(tmp_path, database)
    with hub.db.connection_context():
        assert hub.setting("schema_version") == "4" == str(SCHEMA_VERSION)
        assert hub.db.table_exists("hub_alert")
        call = hub.models.HelpCall.get(hub.models.HelpCall.call_id == "c1")
        assert (call.reached_at, call.escalated_at) == (1000.0, None)
    hub.close()
    caplog = request.getfixturevalue("caplog")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        open_hub_database(tmp_path, database).close()
    assert "CREATE" not in " ".join(statements(caplog)).upper()
