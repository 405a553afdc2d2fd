"""The hub's tables. Made per database so a process (a test, a bench) can hold several hubs."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import (AutoField, BooleanField, CharField, Database, DoubleField, ForeignKeyField,
                    IntegerField, Model, TextField)


@dataclass(frozen=True)
class HubModels:
    Room: type[Model]
    Event: type[Model]
    HelpCall: type[Model]
    Staff: type[Model]
    Setting: type[Model]
    StaffSession: type[Model]
    Alert: type[Model]

    def all(self) -> list[type[Model]]:
        return [self.Setting, self.Room, self.Event, self.HelpCall, self.Staff, self.StaffSession, self.Alert]


def make_models(db: Database) -> HubModels:
    class Base(Model):
        class Meta:
            database = db

    class Setting(Base):
        """Hub-wide values every hub process shares (the session secret, the schema version)."""

        key = CharField(primary_key=True, max_length=64)
        value = TextField()

        class Meta:
            table_name = "hub_setting"

    class Room(Base):
        id = AutoField()
        name = CharField(unique=True, max_length=100)
        token_hash = CharField(unique=True, max_length=64)
        created_at = DoubleField()
        last_seen = DoubleField(null=True)
        waiting = IntegerField(default=0)
        device_id = CharField(null=True, max_length=64)
        phase = CharField(null=True, max_length=32)
        phase_wall = DoubleField(null=True)
        glyph = CharField(null=True, max_length=32)
        help_version = IntegerField(default=0)

        class Meta:
            table_name = "hub_room"

    class Event(Base):
        """Every event a kiosk uploaded, once: the UUID is the idempotency key."""

        id = AutoField()
        uuid = CharField(unique=True, max_length=36)
        room = ForeignKeyField(Room, backref="events", on_delete="RESTRICT", index=False)
        device_id = CharField(max_length=64)
        seq = IntegerField()
        wall = DoubleField()
        mono = DoubleField()
        boot_id = CharField(max_length=64)
        clock_trusted = BooleanField()
        session_id = CharField(null=True, max_length=64)
        kind = CharField(max_length=64)
        payload = TextField()
        received_at = DoubleField()

        class Meta:
            table_name = "hub_event"
            indexes = ((("room", "wall"), False),)

    class HelpCall(Base):
        """A help call as the hub knows it; its rank only ever grows (never backwards)."""

        id = AutoField()
        room = ForeignKeyField(Room, backref="help_calls", on_delete="RESTRICT", index=False)
        call_id = CharField(max_length=64)
        state = CharField(max_length=16)
        rank = IntegerField()
        source = CharField(null=True, max_length=32)
        session_id = CharField(null=True, max_length=64)
        raised_at = DoubleField(null=True)
        acknowledged_at = DoubleField(null=True)
        acknowledged_by = CharField(null=True, max_length=100)
        closed_at = DoubleField(null=True)
        closed_by = CharField(null=True, max_length=100)
        changed_at = DoubleField()
        pressed_again = IntegerField(default=0)  # presses on the call while nobody had answered it
        reached_at = DoubleField(null=True)    # when the hub first heard of the call (raised_at is the press)
        escalated_at = DoubleField(null=True)  # when nobody had answered in time and the escalation went out

        class Meta:
            table_name = "hub_help_call"
            indexes = ((("room", "call_id"), True), (("changed_at",), False))

    class Staff(Base):
        name = CharField(primary_key=True, max_length=100)
        password_hash = TextField()
        changed_at = DoubleField()

        class Meta:
            table_name = "hub_staff"

    class StaffSession(Base):
        """One staff login (one browser). Its cookie carries a random id; the hub keeps only the id's
        SHA-256, so logging out (deleting the row) ends the login wherever a copy of the cookie is."""

        id_hash = CharField(primary_key=True, max_length=64)
        staff = CharField(max_length=100)
        generation = DoubleField()  # the user's Staff.changed_at at login: a new password ends older logins
        created_at = DoubleField()
        seen_at = DoubleField()

        class Meta:
            table_name = "hub_staff_session"
            indexes = ((("staff",), False),)

    class Alert(Base):
        """The outbox of staff alerts: one row per message and channel, written in the same transaction as
        the help-call change it tells of, sent later by a sender thread; the rows are the delivery log."""

        id = AutoField()
        room = ForeignKeyField(Room, null=True, on_delete="CASCADE", index=False)
        room_name = CharField(max_length=100)
        call_id = CharField(null=True, max_length=64)
        what = CharField(max_length=16)        # raised, pressed_again, acknowledged, resolved, cancelled, escalated, test
        channel = CharField(max_length=100)
        pressed_at = DoubleField(null=True)
        reached_at = DoubleField(null=True)
        by = CharField(null=True, max_length=100)
        created_at = DoubleField()
        status = CharField(max_length=16)      # pending, sending, retrying, sent, failed
        attempts = IntegerField(default=0)
        next_at = DoubleField()
        lease_until = DoubleField(null=True)   # a sender holds a claimed row until then (another may retry after)
        last_error = TextField(null=True)
        sent_at = DoubleField(null=True)

        class Meta:
            table_name = "hub_alert"
            indexes = ((("status", "next_at"), False), (("created_at",), False))

    return HubModels(Room, Event, HelpCall, Staff, Setting, StaffSession, Alert)
