"""Configuration: one TOML file into frozen dataclasses, with a default for everything.

Every error names the file, the line (where it can be found) and key, what
was given and what is allowed. Unknown keys are errors: a typo must not pass
silently and leave a room running on a default nobody chose.
"""

from __future__ import annotations

import json

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kiosk.session.plan import RITUAL_PHASES, Phase, Plan

PROFILES = ("calm", "silent", "still", "high_contrast")
BUTTON_MODES = ("line", "any_byte", "modem")
MODEM_LINES = ("cts", "dsr")
PRESS_PATTERNS = ("single", "double")
CHIME_FLOOR = 0.05
DEFAULT_PIN = "2468"
SYSTEM_CONFIG = Path("/etc/room-kiosk/kiosk.toml")


def _default_data_dir() -> Path:
    if os.geteuid() == 0 and Path("/var/lib").is_dir():
        return Path("/var/lib/room-kiosk")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "room-kiosk"


@dataclass(frozen=True)
class DisplayConfig:
    profile: str = "calm"
    show_minutes: bool = False
    breaths_per_minute: float = 6.0
    chime_volume: float = 0.35
    fullscreen: bool = True


@dataclass(frozen=True)
class ButtonConfig:
    url: str | None = None
    mode: str = "line"
    modem_line: str = "cts"
    press: str = "single"
    double_press_seconds: float = 0.8
    baudrate: int = 115200


@dataclass(frozen=True)
class HubConfig:
    url: str | None = None
    token: str | None = None
    sync_seconds: float = 30.0
    ca_file: Path | None = None  # a private CA (Caddy's internal one) the kiosk trusts for the hub's HTTPS


@dataclass(frozen=True)
class PathsConfig:
    data: Path = field(default_factory=_default_data_dir)
    usb_mount_root: Path = Path("/media")
    allow_data_in_ram: bool = False  # run sessions even when the data folder is on tmpfs or an overlay

    @property
    def database(self) -> Path:
        return self.data / "kiosk.sqlite3"


@dataclass(frozen=True)
class ExportConfig:
    recipient: str | None = None  # the hub's age recipient (`kiosk hub export-key`); None: plain exports


@dataclass(frozen=True)
class DownloadsConfig:
    port: int = 8480  # the Wi-Fi download page, served only while a facilitator keeps it open


DEFAULT_PLAN = Plan(name="Session")


@dataclass(frozen=True)
class Config:
    room: str = "Therapy room"
    language: str = "en"  # what the kiosk's screens say: one of kiosk.language.LANGUAGES
    timezone: str | None = None
    pin: str = DEFAULT_PIN
    plans: tuple[Plan, ...] = (DEFAULT_PLAN,)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    downloads: DownloadsConfig = field(default_factory=DownloadsConfig)
    source: Path | None = None

    def plan(self, name: str | None) -> Plan:
        for plan in self.plans:
            if plan.name == name:
                return plan
        return self.plans[0]

    def warnings(self) -> list[str]:
        out = []
        if self.pin == DEFAULT_PIN:
            out.append(f"the facilitator PIN is the default ({DEFAULT_PIN}): set pin = \"...\" in the config")
        if self.hub.url and not self.hub.token:
            out.append("[hub] url is set but token is empty: the hub will refuse uploads (401)")
        if not self.export.recipient:
            out.append("[export] recipient is empty: USB exports are not sealed, anyone with the stick can read "
                       "them (`kiosk hub export-key` on the hub prints the recipient to put here)")
        return out


class ConfigError(Exception):
    """All problems found in one config file, each on its own line."""

    def __init__(self, source: Path | None, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        where = str(source) if source else "config"
        super().__init__("\n".join(f"{where}: {p}" for p in problems))


# --- loading ---------------------------------------------------------------------------


def with_overrides(config: Config, **paths: Any) -> Config:
    """Command-line overrides (data folder, button URL, hub URL, windowed)."""
    out = config
    if paths.get("data"):
        try:
            data = Path(paths["data"]).expanduser()
        except RuntimeError:
            raise ConfigError(None, [f"--data {paths['data']}: no such user's home folder; give a full path"]) \
                from None
        out = replace(out, paths=replace(out.paths, data=data))
    if paths.get("usb_mount_root"):
        out = replace(out, paths=replace(out.paths, usb_mount_root=Path(paths["usb_mount_root"])))
    if paths.get("button_url") is not None:
        out = replace(out, button=replace(out.button, url=paths["button_url"] or None))
    if paths.get("hub_url") is not None:
        out = replace(out, hub=replace(out.hub, url=paths["hub_url"] or None))
    if paths.get("windowed"):
        out = replace(out, display=replace(out.display, fullscreen=False))
    return out


def _toml(v: Any) -> str:
    """One TOML value that parses back to v: ints stay ints (115200, never 1.152e+05), strings escape
    every control character."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False).replace("\x7f", "\\u007f")


def render(config: Config) -> str:
    """The effective config, as TOML a person can read and copy: every line parses back to what it says;
    a key that is not set is shown as a comment."""
    def line(key: str, value: Any) -> str:
        return f"# {key} is not set" if value is None else f"{key} = {_toml(value)}"

    lines = [f"# effective configuration (from {config.source or 'built-in defaults'})",
             line("room", config.room), line("language", config.language), line("timezone", config.timezone), line("pin", config.pin), ""]
    for name in ("display", "button", "hub", "paths", "export", "downloads"):
        section = getattr(config, name)
        lines.append(f"[{name}]")
        for f in fields(section):
            value = getattr(section, f.name)
            if name == "hub" and f.name == "token" and value:
                lines.append(f"token = {_toml(value[:4] + '…')}  # shortened here; the file has it whole")
                continue
            lines.append(line(f.name, str(value) if isinstance(value, Path) else value))
        lines.append("")
    for plan in config.plans:
        lines += ["[[plans]]", line("name", plan.name)]
        lines += [line(f"{p}_minutes", plan.length(p) / 60) for p in RITUAL_PHASES]
        if plan.hard_end:
            lines.append(line("hard_end", plan.hard_end))
        cues = ", ".join(f"{p} = [{', '.join(_toml(lead / 60) for lead in plan.leads(p) if lead < plan.length(p))}]"
                         for p in RITUAL_PHASES)
        lines.append(f"cue_minutes = {{ {cues} }}")
        prompts = ", ".join(f"{p} = {_toml(plan.prompt(p))}" for p in Phase)
        lines.append(f"prompts = {{ {prompts} }}")
        lines.append("")
    return "\n".join(lines)
