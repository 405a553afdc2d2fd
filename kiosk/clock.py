"""The clock seam.

A Raspberry Pi has no battery-backed clock: after a power cut the wall clock
starts wherever fake-hwclock left it and jumps when NTP catches up. Every
journal event therefore records the monotonic time, the boot id and whether
the wall clock was trusted when it was written.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Mapping, Protocol
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

_SYNC_FLAG = Path("/run/systemd/timesync/synchronized")
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


class Clock(Protocol):
    def now(self) -> float:
        """UTC wall time, seconds since the epoch."""

    def monotonic(self) -> float: ...

    @property
    def boot_id(self) -> str: ...

    def wall_trusted(self) -> bool: ...


class SystemClock:
    """The real clock. Trust is re-checked at most once a minute."""

    def __init__(self, recheck_seconds: float = 60.0) -> None:
        self._recheck = recheck_seconds
        self._trusted: bool | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._boot_id = read_boot_id()

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    @property
    def boot_id(self) -> str:
        return self._boot_id

    def wall_trusted(self) -> bool:
        with self._lock:
            mono = time.monotonic()
            if self._trusted is None or mono - self._checked_at >= self._recheck:
                self._trusted = probe_wall_clock_synchronised()
                self._checked_at = mono
            return self._trusted


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_780_000_000.0, trusted: bool = True,
                 boot_id: str = "fake-boot") -> None:
        self.wall = start
        self.mono = 1000.0
        self.trusted = trusted
        self._boot_id = boot_id

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    @property
    def boot_id(self) -> str:
        return self._boot_id

    def wall_trusted(self) -> bool:
        return self.trusted

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def reboot(self, wall_gap: float, boot_id: str | None = None) -> None:
        """A restart: wall time moves on, monotonic time starts again."""
        self.wall += wall_gap
        self.mono = 10.0
        self._boot_id = boot_id or str(uuid.uuid4())


def read_boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown-boot-" + uuid.uuid4().hex[:12]


def probe_wall_clock_synchronised() -> bool:
    """True only when the system says its clock is synchronised; unknown is False.

    Cheap enough to run inside Journal.append: a file test, then one adjtimex(2) call that asks
    the kernel (which chrony and timesyncd both keep informed) without changing anything.
    """
    if _SYNC_FLAG.exists():
        return True
    return _kernel_clock_state() not in (None, _TIME_ERROR)


_TIME_ERROR = 5  # adjtimex: the clock is not synchronised


def kernel_clock_synchronized() -> bool | None:
    """What the kernel says (adjtimex with no changes; works without root); None when it cannot tell."""
    state = _kernel_clock_state()
    return None if state is None else state != _TIME_ERROR


def _kernel_clock_state() -> int | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        timex = ctypes.create_string_buffer(512)  # struct timex, zeroed: modes = 0 reads only
        state = libc.adjtimex(timex)
    except (OSError, AttributeError):
        return None
    return None if state < 0 else int(state)


_LOCALTIME = Path("/etc/localtime")
_ETC_TIMEZONE = Path("/etc/timezone")
_ZONEINFO_DIRS = ("/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/")


def local_zone(name: str | None, env: Mapping[str, str] | None = None, localtime: Path = _LOCALTIME,
               etc_timezone: Path = _ETC_TIMEZONE) -> tzinfo:
    """The configured zone, else the system's, as a real zone with its daylight-saving rules."""
    return resolve_zone(name, env, localtime, etc_timezone)[0]


def resolve_zone(name: str | None, env: Mapping[str, str] | None = None, localtime: Path = _LOCALTIME,
                 etc_timezone: Path = _ETC_TIMEZONE) -> tuple[tzinfo, str]:
    """(zone, where it came from). Never the offset in force at start-up: a kiosk that runs from
    winter into summer time would schedule "must end by 10:45" at 11:45."""
    if name:
        return ZoneInfo(name), "[top] timezone in the config"
    env = os.environ if env is None else env
    tz = env.get("TZ", "").lstrip(":")
    if tz:
        try:
            return (ZoneInfo(tz) if not tz.startswith("/") else _zone_file(Path(tz))), f"TZ={tz}"
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            log.warning("TZ=%r is not a time zone this kiosk can read (%s); using the system's", tz, exc)
    try:
        target = os.path.realpath(localtime)
        for root in _ZONEINFO_DIRS:
            if target.startswith(root):
                return ZoneInfo(target[len(root):]), f"{localtime} -> {target}"
        if localtime.exists():
            return _zone_file(localtime), str(localtime)
    except (ValueError, KeyError, OSError) as exc:
        log.warning("cannot read the system time zone from %s: %s", localtime, exc)
    try:
        return ZoneInfo(etc_timezone.read_text().strip()), str(etc_timezone)
    except (ValueError, KeyError, OSError):
        pass
    return timezone.utc, "no system time zone found: UTC (set [top] timezone, such as \"Europe/London\")"


def _zone_file(path: Path) -> tzinfo:
    with open(path, "rb") as f:
        return ZoneInfo.from_file(f, key=str(path))


def time_of_day_after(now: float, hh_mm: str, zone: tzinfo) -> float:
    """The next moment (today, or tomorrow if it has passed by over 12 h) at hh:mm local time."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    here = datetime.fromtimestamp(now, zone)
    target = datetime.combine(here.date(), datetime.min.time().replace(hour=hour, minute=minute), zone)
    if (here - target) > timedelta(hours=12):
        target = datetime.combine(here.date() + timedelta(days=1), target.timetz(), zone)
    return target.timestamp()


def local_day(ts: float, zone: tzinfo) -> date:
    return datetime.fromtimestamp(ts, zone).date()
