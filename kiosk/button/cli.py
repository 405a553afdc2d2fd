"""`kiosk button watch`: print what a button sends, decoded, to check the wiring.

It does not touch the journal or raise help calls; run it with the kiosk
stopped (the kiosk holds the port exclusively).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, TextIO

from kiosk.button.anybyte import AnyByteDecoder
from kiosk.button.line import LineDecoder
from kiosk.button.modem import POLL_SECONDS, ModemLineDebouncer
from kiosk.button.port import PortProblem, open_port


def register(subparsers: argparse._SubParsersAction) -> None:
    button = subparsers.add_parser("button", help="help button tools")
    sub = button.add_subparsers(dest="button_command", metavar="ACTION")
    watch = sub.add_parser("watch", help="print what the button sends (decoded), for wiring checks")
    watch.add_argument("--url", required=True, help="device path or serial URL, e.g. /dev/kiosk-button")
    watch.add_argument("--mode", choices=("line", "any_byte", "modem"), default="line",
                       help="how the button speaks (default line)")
    watch.add_argument("--modem-line", choices=("cts", "dsr"), default="cts",
                       help="in modem mode, the line the switch closes (default cts)")
    watch.add_argument("--baudrate", type=int, default=115200)
    watch.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    watch.set_defaults(func=cmd_watch)
    button.set_defaults(func=lambda args: button.print_help() or 2)


def cmd_watch(args: argparse.Namespace) -> int:
    try:
        port = open_port(args.url, baudrate=args.baudrate, read_timeout=0.1)
    except PortProblem as exc:
        print(f"cannot watch the button: {exc}", file=sys.stderr)
        return 1
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    print(f"watching {args.url} in {args.mode} mode; press the button (Ctrl-C to stop)", flush=True)
    try:
        watch(port, args.mode, args.modem_line, lambda: deadline is not None and time.monotonic() >= deadline)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"the button went away: {exc}", file=sys.stderr)
        return 1
    finally:
        port.close()
    return 0


def watch(port, mode: str, modem_line: str, done: Callable[[], bool], out: TextIO | None = None) -> None:
    def say(text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", file=out or sys.stdout, flush=True)

    if mode == "modem":
        port.rts = port.dtr = True
        debouncer = ModemLineDebouncer()
        level = None
        while not done():
            closed = port.cts if modem_line == "cts" else port.dsr
            if closed != level:
                say(f"{modem_line.upper()} {'closed' if closed else 'open'}")
                level = closed
            for signal in debouncer.sample(closed, time.monotonic()):
                say(f"-> {signal} (a press)")
            time.sleep(POLL_SECONDS)
        return
    lines, bytes_ = LineDecoder(), AnyByteDecoder()
    while not done():
        data = port.read(port.in_waiting or 1)
        if not data:
            continue
        if mode == "any_byte":
            say(f"bytes {data!r}")
            for signal in bytes_.feed(data, time.monotonic()):
                say(f"-> {signal} (a press)")
            continue
        ignored = lines.counts.ignored
        for signal in lines.feed(data):
            say(f"-> {signal}")
        if lines.counts.ignored != ignored:
            say(f"ignored {lines.last_ignored[:80]!r} (not a message; {lines.counts.ignored} so far)")
