"""Every check `kiosk doctor` makes of a kiosk device, in the order its report gives them.

Apart from kiosk/doctor/cli.py so that `kiosk run` does not import the checks (and requests, through the
hub's check) before its first frame: every `kiosk` command builds the same parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from kiosk.config import ButtonConfig, Config
from kiosk.doctor import checks
from kiosk.doctor.findings import Finding
from kiosk.doctor.host import Host
from kiosk.doctor.hubcheck import HubAnswer, check_hub, probe as hub_probe


def examine(config: Config, host: Host, *,
            listen: Callable[[str, ButtonConfig], checks.ButtonAnswer] = checks.listen,
            probe: Callable[[str, str | None, Path | None], HubAnswer] = hub_probe) -> list[Finding]:
    """All checks, in the order a technician would walk through them."""
    hub = check_hub(config.hub, probe)
    return [*checks.check_config(config), *checks.check_kiosk_user(host), *checks.check_display(host),
            *checks.check_touch(host), *checks.check_audio(host, config),
            *checks.check_button(host, config.button, listen), *checks.check_data(host, config),
            *checks.check_journal(config), *checks.check_clock(host), *hub, *checks.check_watchdog(host),
            *checks.check_sandbox(host, config), *checks.check_service(host),
            *checks.check_avahi(host)]
