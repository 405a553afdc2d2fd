"""Opening the button's serial port from a URL or a device path.

Everything goes through `serial.serial_for_url`, so a device path
(`/dev/serial/by-id/...`, `/dev/kiosk-button`, a pty), `loop://` or any
registered URL handler works the same. Device paths are opened exclusively
(an flock), so a second kiosk process or a stray terminal cannot share the
button; URL handlers have no such lock.
"""

from __future__ import annotations

import serial

from kiosk.language import _

READ_TIMEOUT = 0.05
WRITE_TIMEOUT = 0.5


class PortProblem(Exception):
    """The port cannot be opened; the message says what to check (in the kiosk's language: the facilitator
    reads it); `busy`: another program holds the port."""

    def __init__(self, message: str, busy: bool = False) -> None:
        super().__init__(message)
        self.busy = busy


def is_device_path(url: str) -> bool:
    return "://" not in url


def open_port(url: str, baudrate: int = 115200, read_timeout: float = READ_TIMEOUT,
              write_timeout: float = WRITE_TIMEOUT) -> serial.SerialBase:
    """An open port; raises PortProblem with advice, never leaves a descriptor open."""
    kwargs = {"baudrate": baudrate, "timeout": read_timeout, "write_timeout": write_timeout}
    if is_device_path(url):
        kwargs["exclusive"] = True
    try:
        return serial.serial_for_url(url, **kwargs)
    except ValueError as exc:
        raise PortProblem(f"the button URL {url!r} is not usable ({exc}): give a device path such as "
                          f"/dev/kiosk-button or a serial URL such as loop://") from exc
    except (serial.SerialException, OSError) as exc:
        raise PortProblem(describe_open_error(url, exc), busy=is_busy(exc)) from exc


def is_busy(exc: BaseException) -> bool:
    return "exclusively lock" in str(exc) or getattr(exc, "errno", None) == 11


def describe_open_error(url: str, exc: BaseException) -> str:
    text = str(exc)
    errno = getattr(exc, "errno", None)
    if errno == 2 or "No such file" in text:
        return _("no button at {url}: check that it is plugged in").format(url=url)
    if errno == 13 or "Permission denied" in text:
        return _("not allowed to open {url}: add the kiosk user to the dialout group").format(url=url)
    if is_busy(exc):
        return _("{url} is in use by another program (a second kiosk, a terminal, ModemManager)").format(url=url)
    return _("cannot open {url}: {error}").format(url=url, error=text)
