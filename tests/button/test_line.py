"""The line decoder: the protocol, its limits, and split-invariance (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.button.line import MAX_LINE, LineDecoder, parse_line
from kiosk.button.signals import CANCEL, HELP, PING, TEST, Kind, Signal


def decode(data: bytes) -> tuple[list[Signal], int]:
    d = LineDecoder()
    out = d.feed(data)
    return out, d.counts.ignored


def test_each_message_case_insensitive_with_any_line_ending():
    out, ignored = decode(b"help\nPing\r\nCANCEL\rtest\r\n\r\nHeLLo pico-btn 1.2\n")
    assert out == [HELP, PING, CANCEL, TEST, Signal(Kind.HELLO, "pico-btn", "1.2")]
    assert ignored == 0


def test_surrounding_spaces_are_allowed_and_blank_lines_are_nothing():
    out, ignored = decode(b"  HELP \t\n\n   \r\n")
    assert out == [HELP]
    assert ignored == 0


def test_unknown_words_arguments_and_bad_hello_are_ignored_and_counted():
    out, ignored = decode(b"HELPME\nHELP NOW\nHELLO\nHELLO a\nHELLO a b c\nLED ACK\nhelp\n")
    assert out == [HELP]
    assert ignored == 6


def test_non_ascii_and_control_bytes_spoil_the_line():
    out, ignored = decode(b"HE\x00LP\nH\xc3\xa9LP\nHELP\x1b\n\xff\xfe\nHELP\n")
    assert out == [HELP]
    assert ignored == 4


def test_a_line_at_the_limit_counts_and_one_past_it_is_dropped_whole():
    at_limit = b"HELLO " + b"m" * (MAX_LINE - 10) + b" 1.0"
    assert len(at_limit) == MAX_LINE
    d = LineDecoder()
    assert d.feed(at_limit + b"\n") == [Signal(Kind.HELLO, "m" * (MAX_LINE - 10), "1.0")]
    too_long = b" " * MAX_LINE + b"HELP"
    assert d.feed(too_long + b"\n") == []
    assert d.counts.too_long == 1 and d.counts.ignored == 1
    assert d.feed(b"HELP\n") == [HELP]


def test_an_endless_line_uses_bounded_memory_and_then_recovers():
    d = LineDecoder()
    for _ in range(1000):
        assert d.feed(b"HELP" * 256) == []
    assert len(d._partial) <= MAX_LINE
    assert d.feed(b"\nHELP\n") == [HELP]
    assert d.counts.too_long == 1


def test_a_partial_line_waits_for_its_terminator():
    d = LineDecoder()
    assert d.feed(b"HE") == []
    assert d.feed(b"LP") == []
    assert d.feed(b"\r") == [HELP]
    assert d.feed(b"\n") == []


def test_parse_line_never_raises_on_junk():
    assert parse_line(b"") is None
    assert parse_line(b"\t") is None
    assert parse_line(bytes(range(256))) is None


# --- property: the way bytes are split into reads never changes what is decoded ------------

_tokens = st.one_of(
    st.sampled_from([b"HELP", b"help", b"PING", b"CANCEL", b"TEST", b"HELLO pico 1.0", b"hello x y",
                     b"\r", b"\n", b"\r\n", b" ", b"HELPHELP", b"LED OFF", b"\x00", b"\xff"]),
    st.binary(max_size=8),
    st.builds(lambda n: b"x" * n, st.integers(MAX_LINE - 2, MAX_LINE + 2)),
)
_streams = st.lists(_tokens, max_size=40).map(b"".join)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]


@settings(max_examples=400, deadline=None)
@given(_streams, st.lists(st.integers(min_value=0), max_size=20))
def test_any_split_gives_the_same_calls_and_counts(data, cuts):
    whole = LineDecoder()
    expected = whole.feed(data)
    pieces = LineDecoder()
    got = [s for chunk in _split(data, cuts) for s in pieces.feed(chunk)]
    assert got == expected
    assert pieces.counts == whole.counts


def _reference(data: bytes) -> list[Signal]:
    """An independent reading of the protocol, for complete lines only."""
    complete = data[: max(data.rfind(b"\r"), data.rfind(b"\n")) + 1]
    out = []
    for line in re.split(rb"[\r\n]", complete):
        if len(line) > MAX_LINE or not re.fullmatch(rb"[\x20-\x7e\t]*", line):
            continue
        words = line.decode().split()
        if len(words) == 1 and words[0].upper() in ("HELP", "PING", "CANCEL", "TEST"):
            out.append(Signal(Kind(words[0].lower())))
        elif len(words) == 3 and words[0].upper() == "HELLO":
            out.append(Signal(Kind.HELLO, words[1], words[2]))
    return out


@settings(max_examples=400, deadline=None)
@given(_streams, st.lists(st.integers(min_value=0), max_size=20))
def test_the_decoder_agrees_with_a_plain_reading_of_the_protocol(data, cuts):
    d = LineDecoder()
    got = [s for chunk in _split(data, cuts) for s in d.feed(chunk)]
    assert got == _reference(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_and_calls_only_come_from_help_lines(data):
    out, _ = decode(data)
    helps = sum(1 for s in out if s.kind is Kind.HELP)
    assert helps == sum(1 for s in _reference(data) if s.kind is Kind.HELP)
