"""Which request a hub thread serves next: help before bulk.

waitress hands complete requests to its worker threads first come, first served. When a hundred kiosks
drain their backlogs at once (the hub was down all morning) the queue holds a hundred batches of
hundreds of events, and a help call that arrives behind them waits for all of them: seconds. So the
queue is ordered by the request's urgency, as the HTTP `Priority` header (RFC 9218) gives it:
`u=0` is the most urgent, `u=7` the least, 3 when the request says nothing. Kiosks send their help
events with `u=0` and their backlog batches with `u=5` (HELP_PRIORITY, BACKLOG_PRIORITY); a staff page's
refresh and everything else say nothing, so they too go before the backlog. Within one urgency the order stays
first come, first served, so one kiosk's batches are still served in the order they came.

The backlog only waits while more urgent requests are queued, which is a few at a time. A kiosk could
mark its backlog urgent; it is authenticated, and it would only be served sooner.

The order of the queue is not enough when every thread is already busy with a backlog batch: the help
call then waits for a thread, and, once it has one, shares the interpreter with all of them. So backlog
batches (an urgency below the default) are ingested a few at a time per process (backlog_turn); the others
wait for their turn holding a thread but no CPU, and a help upload or a staff page takes the next thread
that frees and shares the processor with a few batches, not sixteen. A batch that waits BACKLOG_WAIT
seconds for its turn is answered 503 with Retry-After (nothing stored), which the kiosk takes as busy.

And a backlog batch never takes the last idle thread (KEPT_FREE): when the long polls of a fleet's help
watches hold most threads and the backlog the rest, a help upload would wait for a batch to finish before it
had a thread at all. So the queue offers its backlog lanes only while another thread stays idle; the help
upload or the staff page that comes next is served at once.

This leans on waitress 3.x (deploy/constraints.txt pins it): the dispatcher's `queue` is what its worker
threads append() to and popleft() from under its lock, and create_server() takes a dispatcher (`_dispatcher`).
tests/hub/test_urgency.py runs a real hub and fails if an upgrade changes either.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from waitress.task import ThreadedTaskDispatcher

from kiosk.session.record import BACKLOG_PRIORITY, HELP_PRIORITY

HEADER = "PRIORITY"        # how waitress's parser names the Priority header
DEFAULT_URGENCY = 3        # RFC 9218's default
URGENCIES = 8              # 0 (most urgent) to 7
BACKLOG_FROM = DEFAULT_URGENCY + 1   # less urgent than a request that says nothing: a backlog batch
BACKLOG_TURNS = 4          # backlog batches one hub process ingests at a time; the rest wait their turn
KEPT_FREE = 1              # idle threads a backlog batch leaves for whatever more urgent comes next
BACKLOG_WAIT = 20.0        # seconds a backlog batch waits for its turn before it is answered 503 (under the
#                            kiosk's 30 s read timeout: a timeout would count against the batch's events)
_URGENCY = re.compile(r"(?:^|,)\s*u\s*=\s*([0-7])\s*(?:,|;|$)")


def urgency(priority: str | None) -> int:
    """The urgency a Priority header's value asks for; the default for none or one that cannot be read."""
    if not priority:
        return DEFAULT_URGENCY
    found = _URGENCY.search(priority)
    return int(found.group(1)) if found else DEFAULT_URGENCY


def task_urgency(task: Any) -> int:
    """The urgency of the request a waitress task (a channel with a request ready) is about to serve."""
    try:
        request = task.requests[0]
        return urgency(request.headers.get(HEADER))
    except (AttributeError, IndexError, TypeError):
        return DEFAULT_URGENCY


class BacklogBusy(RuntimeError):
    """A backlog batch waited BACKLOG_WAIT seconds for its turn: the kiosk should come back later."""


@contextmanager
def backlog_turn(turns: threading.Semaphore, priority: str | None, wait: float | None = None) -> Iterator[None]:
    """Runs a request of a backlog's urgency only while it holds one of the process's turns (waiting at most
    `wait`, default BACKLOG_WAIT seconds); anything more urgent (help uploads, requests that say nothing)
    runs at once."""
    if urgency(priority) < BACKLOG_FROM:
        yield
        return
    wait = BACKLOG_WAIT if wait is None else wait
    if not turns.acquire(timeout=wait):
        raise BacklogBusy(f"the hub is ingesting other kiosks' backlogs; this batch waited {wait:.0f} s for its turn")
    try:
        yield
    finally:
        turns.release()


def may_take_backlog(idle_others: int, threads: int) -> bool:
    """Whether a thread may take a backlog batch now: only while KEPT_FREE other threads stay idle for what
    is more urgent, unless the pool is that small (one thread) or shutting down (no threads: every task is
    handed out to be cancelled)."""
    return idle_others >= KEPT_FREE or threads <= KEPT_FREE


class UrgencyQueue:
    """The dispatcher's queue, by urgency: append() files a task in its lane, popleft() takes the oldest
    task of the most urgent lane. The methods waitress's ThreadedTaskDispatcher uses on its deque, called
    under its lock. `pool()` gives (other idle threads, threads); the backlog lanes are offered only when
    may_take_backlog() says so. A thread that finds only held-back backlog waits; the threads still busy take
    it as they come back, since each looks at the queue again before it waits."""

    def __init__(self, pool: Callable[[], tuple[int, int]] | None = None) -> None:
        self._lanes: list[deque] = [deque() for _ in range(URGENCIES)]
        self._pool = pool

    def append(self, task: Any) -> None:
        self._lanes[task_urgency(task)].append(task)

    def _open_lanes(self) -> list[deque]:
        if self._pool is None or may_take_backlog(*self._pool()):
            return self._lanes
        return self._lanes[:BACKLOG_FROM]

    def popleft(self) -> Any:
        for lane in self._open_lanes():
            if lane:
                return lane.popleft()
        raise IndexError("pop from an empty UrgencyQueue")

    def __len__(self) -> int:
        return sum(len(lane) for lane in self._lanes)

    def __bool__(self) -> bool:
        return any(self._open_lanes())


class UrgencyDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, serving the most urgent waiting request first and keeping a thread free of
    backlog batches."""

    def __init__(self) -> None:
        super().__init__()
        self.queue = UrgencyQueue(self._pool)  # type: ignore[assignment]

    def _pool(self) -> tuple[int, int]:
        """(idle threads other than the asking one, threads), read under the dispatcher's lock. The asking
        thread counts as active while it looks at the queue (waitress counts it so before and after a wait)."""
        threads = len(self.threads) - self.stop_count
        return threads - self.active_count, threads
