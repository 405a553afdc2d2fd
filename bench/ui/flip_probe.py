"""Run a Kivy program unchanged and count the frames its window actually flips.

    python bench/ui/flip_probe.py REPORT_FILE -m kiosk --config c.toml run --windowed
    python bench/ui/flip_probe.py REPORT_FILE path/to/app.py

Kivy is not imported here: an import hook waits until the program itself
imports kivy.core.window (after it has set Kivy's environment), then wraps
that Window's flip(). After every flip REPORT_FILE holds one line:
"<flips> <monotonic time of the first flip> <monotonic time of the latest flip>".
CLOCK_MONOTONIC is system-wide, so the bench compares it with its own spawn time.
A frame is counted after its buffer swap returns, i.e. once it was handed to the X server.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import runpy
import sys
import time

_WIDTH = 64


class _Counter:
    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.flips = 0
        self.first = 0.0

    def flipped(self) -> None:
        now = time.monotonic()
        self.flips += 1
        if self.flips == 1:
            self.first = now
        line = f"{self.flips} {self.first:.6f} {now:.6f}".ljust(_WIDTH - 1) + "\n"
        os.pwrite(self.fd, line.encode(), 0)

    def attach(self, window: object) -> None:
        if window is None:
            return
        real_flip = window.flip

        def flip() -> None:
            real_flip()
            self.flipped()

        window.flip = flip


class _WindowHook(importlib.abc.MetaPathFinder):
    def __init__(self, counter: _Counter) -> None:
        self.counter = counter

    def find_spec(self, name, path, target=None):  # noqa: ANN001 - importlib's protocol
        if name != "kivy.core.window":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        real_exec = spec.loader.exec_module

        def exec_module(module) -> None:  # noqa: ANN001
            real_exec(module)
            self.counter.attach(getattr(module, "Window", None))

        spec.loader.exec_module = exec_module
        return spec


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: flip_probe.py REPORT_FILE (-m MODULE | SCRIPT) [ARGS...]")
    counter = _Counter(argv[0])
    sys.meta_path.insert(0, _WindowHook(counter))
    if argv[1] == "-m":
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv[1:]
        sys.path[0] = os.path.dirname(os.path.abspath(argv[1]))
        runpy.run_path(argv[1], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
