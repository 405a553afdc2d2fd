"""Opening the button's serial port from a URL or a device path.

Everything goes through `serial.serial_for_url`, so a device path
(`/dev/serial/by-id/...`, `/dev/kiosk-button`, a pty), `loop://` or any
registered URL handler works the same. Device paths are opened exclusively
(an flock), so a second kiosk process or a stray terminal cannot share the
button; URL handlers have no such lock.
"""

from __future__ import annotations

import serial

READ_TIMEOUT = 0.05
WRITE_TIMEOUT = 0.5


class PortProblem(Exception):
    """The port cannot be opened; the message says what to check."""


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
        raise PortProblem(describe_open_error(url, exc)) from exc


def describe_open_error(url: str, exc: BaseException) -> str:
    text = str(exc)
    errno = getattr(exc, "errno", None)
    if errno == 2 or "No such file" in text:
        return f"no button at {url}: check that it is plugged in"
    if errno == 13 or "Permission denied" in text:
        return f"not allowed to open {url}: add the kiosk user to the dialout group"
    if "exclusively lock" in text or errno == 11:
        return f"{url} is in use by another program (a second kiosk, a terminal, ModemManager)"
    return f"cannot open {url}: {text}"
