"""A person at the kiosk's screen, played by xdotool on an X server: taps, held presses, key presses.

xdotool goes through XTEST, so the app receives the same events a real
pointer and keyboard would produce. Coordinates are window-relative.
"""

from __future__ import annotations

import subprocess
import time


class XdotoolError(RuntimeError):
    pass


class Person:
    def __init__(self, env: dict[str, str], window: str, xdotool: str = "xdotool") -> None:
        self.env = env
        self.window = window
        self.xdotool = xdotool

    def run(self, *args: str, timeout: float = 10.0) -> str:
        done = subprocess.run([self.xdotool, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise XdotoolError(f"xdotool {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def point_at(self, x: int, y: int) -> None:
        # not `mousemove --sync`: xdotool 3.2016 can wait for ever with it; poll the pointer instead
        self.run("mousemove", "--window", self.window, str(x), str(y))
        origin = self.window_origin()
        want = (origin[0] + x, origin[1] + y)
        deadline = time.monotonic() + 5
        while self.pointer() != want:
            if time.monotonic() > deadline:
                raise XdotoolError(f"the pointer did not reach {want}; it is at {self.pointer()}")
            time.sleep(0.02)

    def pointer(self) -> tuple[int, int]:
        fields = dict(part.split(":", 1) for part in self.run("getmouselocation").split())
        return int(fields["x"]), int(fields["y"])

    def window_origin(self) -> tuple[int, int]:
        shell = dict(line.split("=", 1) for line in self.run("getwindowgeometry", "--shell", self.window).split())
        return int(shell["X"]), int(shell["Y"])

    def tap(self, x: int, y: int) -> None:
        self.point_at(x, y)
        self.run("mousedown", "1")
        time.sleep(0.12)
        self.run("mouseup", "1")

    def hold(self, x: int, y: int, seconds: float = 1.8) -> None:
        """Press, keep the finger down for `seconds` (the control wants about 1.5 s), let go."""
        self.point_at(x, y)
        self.run("mousedown", "1")
        time.sleep(seconds)
        self.run("mouseup", "1")

    def press_key(self, key: str) -> None:
        self.run("windowfocus", "--sync", self.window)
        self.run("key", key)


def find_window(env: dict[str, str], pid: int, timeout: float = 30.0, xdotool: str = "xdotool") -> str:
    """The id of the first visible window the process `pid` has mapped (SDL sets _NET_WM_PID)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run([xdotool, "search", "--onlyvisible", "--pid", str(pid)], env=env,
                              capture_output=True, text=True, timeout=10)
        ids = done.stdout.split()
        if ids:
            return ids[0]
        time.sleep(0.1)
    raise XdotoolError(f"no visible window of process {pid} within {timeout:.0f} s")
