"""What a button can tell the kiosk, whichever way it is wired."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    HELP = "help"
    CANCEL = "cancel"
    TEST = "test"
    PING = "ping"
    HELLO = "hello"


@dataclass(frozen=True)
class Signal:
    kind: Kind
    model: str = ""
    version: str = ""

    def __str__(self) -> str:
        if self.kind is Kind.HELLO:
            return f"HELLO {self.model} {self.version}"
        return self.kind.upper()


HELP = Signal(Kind.HELP)
CANCEL = Signal(Kind.CANCEL)
TEST = Signal(Kind.TEST)
PING = Signal(Kind.PING)
