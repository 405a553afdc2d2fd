"""Real Kivy windows, offscreen: SDL_VIDEODRIVER=offscreen, SDL_AUDIODRIVER=dummy, Mesa's software GL.

Kivy reads its environment once, when first imported, so it is set here,
before any test module imports kiosk.ui. One window serves every test; each
test gets its own Station (real SQLite journal in tmp_path) and FakeClock.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from kiosk.launch import prepare_kivy  # noqa: E402

prepare_kivy(Path(tempfile.mkdtemp(prefix="kiosk-ui-tests-kivy-")))

from kiosk.ui.window import WindowSettings, configure  # noqa: E402

configure(WindowSettings(size=(800, 480), fullscreen=False, kiosk=False))

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import Config, DisplayConfig, PathsConfig  # noqa: E402
from kiosk.session.plan import Phase, Plan  # noqa: E402
from kiosk.station import Station  # noqa: E402

TEST_PLAN = Plan("Group", opening=120, holding=600, closing=120,
                 cue_leads={Phase.OPENING: (60.0,), Phase.HOLDING: (300.0, 120.0), Phase.CLOSING: (60.0,)})


def ui_config(data: Path, **display) -> Config:
    return Config(room="Test room", plans=(TEST_PLAN,), paths=PathsConfig(data=data),
                  display=DisplayConfig(fullscreen=False, **display))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rehearse(tmp_path, clock):
    """rehearse(config=None, **rehearsal_kwargs) -> a started Rehearsal; everything is closed afterwards."""
    from kiosk.ui.rehearsal import Rehearsal

    made: list[tuple[Rehearsal, Station]] = []

    def make(config: Config | None = None, **kwargs) -> Rehearsal:
        station = Station(config or ui_config(tmp_path / "data"), clock=clock)
        r = Rehearsal(station, clock, **kwargs)
        made.append((r, station))
        return r.start()

    yield make
    for r, station in reversed(made):
        r.close()
        station.stop()


def kinds(station: Station, *wanted: str) -> list:
    station.journal.flush()
    return station.journal.records(kinds=list(wanted)) if wanted else station.journal.records()
