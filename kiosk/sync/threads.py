"""Stopping one of the sync threads: a bounded join, and a warning when the thread is still running."""

from __future__ import annotations

import logging
import threading


def join_or_warn(thread: threading.Thread | None, timeout: float, log: logging.Logger, what: str) -> None:
    """Wait up to timeout for a thread told to stop. One held up (a hub that never answers, a stuck
    database) is left behind as a daemon, so the kiosk still exits; the warning, in the caller's log, says so."""
    if thread is None:
        return
    thread.join(timeout)
    if thread.is_alive():
        log.warning("%s did not stop within %g s", what, timeout)
