"""End to end: the real `kiosk run` on a real X server, driven from outside as a person would.

A tap on hold-to-begin does nothing; a held press begins; held presses move
on to Holding and to the closing ritual; the H key calls for help; SIGTERM
(what systemd sends) stops it cleanly. Then the journal must tell exactly that.
Screenshots of each step are left in the test's tmp folder (when xwd is installed).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.ui import screen
from bench.ui.xserver import Xvfb
from tests.e2e.person import Person, find_window
from tests.needs import need_tool

pytestmark = pytest.mark.slow

# Where the controls are in the 800x480 window (y from the top), from kiosk/ui/kv at scale 1.0:
# welcome.kv HoldControl 176x176 at center (0.5, 0.47) of the window; phase.kv CornerHold 64x64
# at right - 18, bottom + 16 (Opening's hold to move on, Holding's hold to close).
WELCOME_HOLD = (400, 480 - round(0.47 * 480))
CORNER_HOLD = (800 - 18 - 32, 480 - (16 + 32))
HOLD_SECONDS = 1.8  # the control fills in about 1.5 s

CONFIG = """\
room = "Room 3"
pin = "8642"

[[plans]]
name = "Short session"
opening_minutes = 0.5
holding_minutes = 1
closing_minutes = 0.5
"""


class Journal:
    """The kiosk's journal, read as any outsider would: straight from its SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def events(self) -> list[dict]:
        if not self.path.exists():
            return []
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute("SELECT kind, payload, session_id, wall FROM event ORDER BY seq").fetchall()
        return [{"kind": k, "payload": json.loads(p), "session_id": s, "wall": w} for k, p, s, w in rows]

    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.events()]

    def phases(self) -> list[str]:
        return [e["payload"]["to"] for e in self.events() if e["kind"] == "phase.changed"]


class Kiosk:
    """The program under test, its output in a file so a chatty log can never block it."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        config = folder / "kiosk.toml"
        config.write_text(CONFIG, encoding="utf-8")
        self.data = folder / "data"
        self.output = folder / "kiosk-output.txt"
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "--config", str(config), "run", "--windowed", "--simulate-button",
                 "--data", str(self.data)],
                env=env, cwd=folder, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.journal = Journal(self.data / "kiosk.sqlite3")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.read_text(errors="replace").splitlines()[-lines:])

    def wait_for(self, what: str, condition, timeout: float = 10.0) -> None:  # noqa: ANN001 - condition() -> bool
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the kiosk exited ({self.process.returncode}) waiting for {what}:\n{self.tail()}")
            time.sleep(0.05)
        pytest.fail(f"waited {timeout:.0f} s for {what}; journal: {self.journal.kinds()}\n{self.tail()}")

    def terminate(self, timeout: float = 15.0) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                return None
        return self.process.returncode


class Screen:
    """What the person sees: screenshots of each step, and when a new scene has settled.

    A phase change fades the old scene out and the new one in (kiosk/ui/drift.py SceneChange,
    about 1.8 s), and a person waits for it before touching the new scene's controls. The
    light text at the top of the window (the room name on Welcome; a phase's title and
    prompt) tells the scenes apart, and is steady once the fade is over, while the
    background's colour may still drift. Without xwd the person just waits the fade out.
    """

    TEXT_BAND = (80, 0, 640, 150)
    GLYPH_CORNER = (600, 0, 200, 64)  # stage.kv: the help glyph and its caption, upper right
    FADE_SECONDS = 1.8

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def take(self, name: str) -> None:
        if screen.available():
            frame = screen.capture(self.env)
            self.taken.append(frame.save_png(self.folder / f"{len(self.taken):02d}-{name}.png"))

    def text(self) -> bytes | None:
        if not screen.available():
            return None
        return screen.capture(self.env).bright_mask(*self.TEXT_BAND)

    def glyph(self) -> bytes | None:
        if not screen.available():
            return None
        return screen.capture(self.env).bright_mask(*self.GLYPH_CORNER, threshold=90)

    def wait_for_scene(self, kiosk: "Kiosk", what: str, other_than: bytes | None, timeout: float = 15.0) -> bytes | None:
        """Wait until the text band shows something other than `other_than` and holds still for 0.4 s."""
        if not screen.available():
            time.sleep(self.FADE_SECONDS + 0.7)
            return None
        seen: dict[str, object] = {"mask": None, "since": 0.0}

        def settled() -> bool:
            mask = self.text()
            now = time.monotonic()
            if mask != seen["mask"]:
                seen["mask"], seen["since"] = mask, now
                return False
            return mask != other_than and sum(mask) > 200 and now - seen["since"] >= 0.4

        kiosk.wait_for(what, settled, timeout=timeout)
        return seen["mask"]


def test_a_person_begins_moves_through_the_phases_calls_for_help_and_the_journal_tells_it(tmp_path: Path) -> None:
    need_tool("Xvfb", "xvfb")
    xdotool = need_tool("xdotool")
    with Xvfb(800, 480) as x:
        env = x.env()
        env.pop("KIOSK_CONFIG", None)
        kiosk = Kiosk(env, tmp_path)
        seen = Screen(env, tmp_path / "screens")
        try:
            window = find_window(env, kiosk.process.pid, timeout=30)
            person = Person(env, window, xdotool)
            welcome = seen.wait_for_scene(kiosk, "the Welcome screen", other_than=None)
            seen.take("welcome")

            person.tap(*WELCOME_HOLD)
            time.sleep(HOLD_SECONDS + 0.5)  # as long as a hold would take to act, and then some
            seen.take("after-tap")
            assert "session.started" not in kiosk.journal.kinds(), "a tap alone started a session"
            if welcome is not None:
                assert seen.text() == welcome, "a tap alone changed the Welcome screen"

            held_from = time.time()
            person.hold(*WELCOME_HOLD, seconds=HOLD_SECONDS)
            kiosk.wait_for("the opening in the journal", lambda: kiosk.journal.phases() == ["opening"])
            opening = seen.wait_for_scene(kiosk, "the Opening scene", other_than=welcome)
            seen.take("opening")

            person.hold(*CORNER_HOLD, seconds=HOLD_SECONDS)
            kiosk.wait_for("the holding time in the journal",
                           lambda: kiosk.journal.phases() == ["opening", "holding"])
            holding = seen.wait_for_scene(kiosk, "the Holding scene", other_than=opening)
            seen.take("holding")

            person.hold(*CORNER_HOLD, seconds=HOLD_SECONDS)
            kiosk.wait_for("the closing ritual in the journal", lambda: kiosk.journal.phases()[-1:] == ["closing"])
            seen.wait_for_scene(kiosk, "the Closing scene", other_than=holding)
            seen.take("closing")

            quiet_glyph = seen.glyph()
            person.press_key("h")
            kiosk.wait_for("the help call in the journal", lambda: "help.raised" in kiosk.journal.kinds())
            if quiet_glyph is not None:
                kiosk.wait_for("the help call on screen (the corner glyph changes)",
                               lambda: seen.glyph() != quiet_glyph, timeout=5)
            seen.take("help")
        finally:
            code = kiosk.terminate()
    assert code == 0, f"SIGTERM must stop the kiosk cleanly, it exited with {code}:\n{kiosk.tail()}"

    events = kiosk.journal.events()
    started = [e for e in events if e["kind"] == "session.started"]
    assert len(started) == 1, f"expected one session, the journal has: {[e['kind'] for e in events]}"
    assert started[0]["wall"] >= held_from - 0.5, "the session began before the held press: the tap started it"
    assert started[0]["payload"]["plan"]["name"] == "Short session"
    session = started[0]["session_id"]
    phases = [e for e in events if e["kind"] == "phase.changed"]
    assert [e["payload"]["to"] for e in phases] == ["opening", "holding", "closing"]
    assert all(e["session_id"] == session for e in phases)
    assert [e["payload"]["reason"] for e in phases] == ["hold", "hold", "closing_now"], \
        "each phase must come from the person's held press, none from a timer"
    calls = [e for e in events if e["kind"] == "help.raised"]
    assert [c["payload"]["source"] for c in calls] == ["keyboard"], "one help call, from the H key"
