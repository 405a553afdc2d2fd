"""The one bridge from other threads to the UI.

The Room tells its listeners in whichever thread made the change: the button
link, the sync worker, the journal writer. Widgets may only be touched on the UI
thread, so every listener call crosses here, as a Clock.schedule_once. Calls
already on the UI thread are delivered at once, so a hold's effect is drawn in
the same frame.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from kivy.clock import Clock

from kiosk.session.facts import Fact

log = logging.getLogger(__name__)

Deliver = Callable[[list[Fact]], None]


class Bridge:
    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._ui_thread = threading.get_ident()
        self.crossed = 0

    def __call__(self, facts: list[Fact]) -> None:
        if threading.get_ident() == self._ui_thread:
            self._safely(facts)
            return
        self.crossed += 1
        Clock.schedule_once(lambda _dt: self._safely(facts), 0)

    def _safely(self, facts: list[Fact]) -> None:
        try:
            self._deliver(facts)
        except Exception:
            log.exception("the UI failed to show %s", [f.kind for f in facts])
