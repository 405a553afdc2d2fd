"""The line protocol a firmware button speaks: short ASCII lines, one word each.

    HELLO <model> <version>   sent once at boot
    PING                      sent every second (the heartbeat)
    HELP                      the button was pressed
    CANCEL                    the presser cancels the open call
    TEST                      a self-test: logged, never a call

Words are case-insensitive and lines end in CR, LF or CRLF. Anything else —
unknown words, stray arguments, non-ASCII bytes, lines longer than the
maximum — is ignored and counted, never a call. The decoder keeps only the
current partial line, so the way the bytes are split into reads never
changes what is decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.button.signals import CANCEL, HELP, PING, TEST, Kind, Signal

MAX_LINE = 64
_TERMINATORS = b"\r\n"
_WORDS = {"HELP": HELP, "CANCEL": CANCEL, "TEST": TEST, "PING": PING}


@dataclass
class LineCounts:
    lines: int = 0
    ignored: int = 0
    too_long: int = 0


class LineDecoder:
    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self.counts = LineCounts()
        self.last_ignored: bytes = b""
        self._partial = bytearray()
        self._overflowing = False

    def feed(self, data: bytes) -> list[Signal]:
        out: list[Signal] = []
        for byte in data:
            if byte in _TERMINATORS:
                self._end_line(out)
            elif self._overflowing:
                continue
            elif len(self._partial) >= self.max_line:
                self._overflowing = True
                self._partial.clear()
                self.counts.too_long += 1
                self.counts.ignored += 1
                self.last_ignored = b"(a line longer than %d bytes)" % self.max_line
            else:
                self._partial.append(byte)
        return out

    def reset(self) -> None:
        """Forget a partial line (the port was reopened)."""
        self._partial.clear()
        self._overflowing = False

    def _end_line(self, out: list[Signal]) -> None:
        if self._overflowing:
            self._overflowing = False
            return
        raw = bytes(self._partial)
        self._partial.clear()
        if not raw.strip(b" \t"):
            return
        self.counts.lines += 1
        signal = parse_line(raw)
        if signal is None:
            self.counts.ignored += 1
            self.last_ignored = raw
        else:
            out.append(signal)


def parse_line(raw: bytes) -> Signal | None:
    """One line without its terminator; None when it is not a message."""
    if any(b < 0x20 and b != 0x09 or b > 0x7E for b in raw):
        return None
    words = raw.decode("ascii").split()
    if not words:
        return None
    word = words[0].upper()
    if word == "HELLO":
        if len(words) != 3:
            return None
        return Signal(Kind.HELLO, model=words[1], version=words[2])
    if len(words) != 1:
        return None
    return _WORDS.get(word)
