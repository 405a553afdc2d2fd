"""Tables. Made per database so a process can hold several (tests, the fleet bench)."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import (BooleanField, CharField, Database, FloatField, ForeignKeyField,
                    IntegerField, Model, TextField)


@dataclass(frozen=True)
class Models:
    Event: type[Model]
    SyncMark: type[Model]
    Meta: type[Model]

    def all(self) -> list[type[Model]]:
        return [self.Event, self.SyncMark, self.Meta]


def make_models(db: Database) -> Models:
    class Base(Model):
        class Meta:
            database = db

    class Event(Base):
        """The journal: append-only."""

        seq = IntegerField(unique=True)
        uuid = CharField(unique=True, max_length=36)
        device_id = CharField(max_length=36)
        wall = FloatField()
        mono = FloatField()
        boot_id = CharField(max_length=64)
        clock_trusted = BooleanField()
        session_id = CharField(null=True, index=True, max_length=36)
        kind = CharField(index=True, max_length=64)
        payload = TextField()

        class Meta:
            table_name = "event"

    class SyncMark(Base):
        """What the hub said about an event: confirmed (stored or duplicate) or rejected with a reason."""

        event = ForeignKeyField(Event, primary_key=True, backref="marks", on_delete="RESTRICT")
        state = CharField(max_length=16)
        reason = TextField(null=True)
        at = FloatField()

        class Meta:
            table_name = "sync_mark"

    class Meta(Base):
        key = CharField(primary_key=True)
        value = TextField()

        class Meta:
            table_name = "meta"

    return Models(Event, SyncMark, Meta)
