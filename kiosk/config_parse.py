"""Finding and reading the config file: TOML into the dataclasses of kiosk.config, every problem named.

Errors name the file, the line (found by a scan of the text, since tomllib
gives no positions) and key, what was given and what is allowed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.config import (BUTTON_MODES, CHIME_FLOOR, MODEM_LINES, PRESS_PATTERNS, PROFILES, ButtonConfig, Config,
                          ConfigError, DisplayConfig, DownloadsConfig, ExportConfig, HubConfig, PathsConfig,
                          SYSTEM_CONFIG)
from kiosk.language import LANGUAGE_NAMES, LANGUAGES
from kiosk.session.plan import DEFAULT_CUE_LEADS, DEFAULT_PROMPTS, RITUAL_PHASES, Phase, Plan


def default_config_path() -> Path | None:
    env = os.environ.get("KIOSK_CONFIG")
    if env:
        return Path(env)
    user = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "room-kiosk" / "kiosk.toml"
    for candidate in (user, SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str | None = None) -> Config:
    """Load the file at path (or the default location); no file at all gives the defaults."""
    explicit = path is not None
    source = Path(path) if path is not None else default_config_path()
    if source is None:
        return Config()
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(source, ["file not found: create it (see README, Configuration) or leave "
                                       "--config out to run on the defaults"]) from None
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [f"cannot read the file: {exc}"]) from None
    return parse_config(text, source)


def parse_config(text: str, source: Path | None = None) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"not valid TOML: {exc} (check quotes around text and = between key and value)"]) \
            from None
    reader = _Reader(text)
    config = reader.config(data, source)
    if reader.problems:
        raise ConfigError(source, reader.problems)
    return _unmark(config)


# --- validation ------------------------------------------------------------------------

PHASE_MINUTES = {Phase.OPENING: (0.5, 5), Phase.HOLDING: (1, 40), Phase.CLOSING: (0.5, 5)}  # (shortest, default)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.problems: list[str] = []

    def where(self, table: str, key: str, index: int | None = None) -> str:
        line = self._locate(table, key, index)
        name = f"[{table}] {key}" if table else key
        if index is not None:
            name = f"[[{table}]] #{index + 1} {key}"
        return f"line {line}: {name}" if line else name

    def _locate(self, table: str, key: str, index: int | None) -> int | None:
        current, seen = "", -1
        for n, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
            if header:
                current = header.group(1)
                if line.startswith("[[") and current == table:
                    seen += 1
                continue
            if current == table and (index is None or seen == index) and re.match(
                    rf"^{re.escape(key)}\s*=", line):
                return n
        return None

    def problem(self, table: str, key: str, message: str, index: int | None = None) -> None:
        self.problems.append(f"{self.where(table, key, index)}: {message}")

    def unknown(self, table: str, data: Mapping[str, Any], allowed: list[str], index: int | None = None) -> None:
        for key in data:
            if key not in allowed:
                hint = _closest(key, allowed)
                suggestion = f' (did you mean "{hint}"?)' if hint else ""
                self.problem(table, key, f"unknown key{suggestion}; allowed here: {', '.join(allowed)}", index)

    def value(self, table: str, data: Mapping[str, Any], key: str, default: Any,
              check: Callable[[Any], Any], allowed: str, index: int | None = None) -> Any:
        if key not in data:
            return default
        given = data[key]
        try:
            result = check(given)
        except (TypeError, ValueError):
            result = None
        if result is None:
            self.problem(table, key, f"{_describe(given)} is not allowed; expected {allowed}", index)
            return default
        return result

    # --- sections ---

    def config(self, data: Mapping[str, Any], source: Path | None) -> Config:
        top = ["room", "language", "timezone", "pin", "plans", "display", "button", "hub", "paths", "export", "downloads"]
        self.unknown("", data, top)
        d = Config()
        room = self.value("", data, "room", d.room, _text(1, 60), "text of 1 to 60 characters")
        language = self.value("", data, "language", d.language, _choice(LANGUAGES),
                              "one of " + ", ".join(f'"{code}" ({LANGUAGE_NAMES[code]})' for code in LANGUAGES))
        zone = self.value("", data, "timezone", d.timezone, _zone, 'a time zone name such as "Europe/London"')
        pin = self.value("", data, "pin", d.pin, _pin, 'a PIN of 4 to 8 digits in quotes, such as "4826"')
        plans = self.plans(data.get("plans")) if "plans" in data else d.plans
        return Config(
            room=room, language=language, timezone=zone, pin=pin, plans=plans,
            display=self.section(data, "display", DisplayConfig, {
                "profile": (_choice(PROFILES), "one of " + ", ".join(PROFILES)),
                "show_minutes": (_bool, "true or false"),
                "breaths_per_minute": (_number(2, 20), "a number from 2 to 20"),
                "chime_volume": (_number(CHIME_FLOOR, 1.0),
                                 f"a number from {CHIME_FLOOR} (the floor: below it chimes would be lost) to 1.0"),
                "fullscreen": (_bool, "true or false"),
            }),
            button=self.section(data, "button", ButtonConfig, {
                "url": (_serial_url, 'a serial port path such as "/dev/kiosk-button", a pyserial URL such as '
                                     '"loop://", or "" for none'),
                "mode": (_choice(BUTTON_MODES), "one of " + ", ".join(BUTTON_MODES)),
                "modem_line": (_choice(MODEM_LINES), "one of " + ", ".join(MODEM_LINES)),
                "press": (_choice(PRESS_PATTERNS), "one of " + ", ".join(PRESS_PATTERNS)),
                "double_press_seconds": (_number(0.2, 3.0), "a number of seconds from 0.2 to 3"),
                "baudrate": (_integer(300, 4_000_000), "a baud rate such as 115200"),
            }),
            hub=self.section(data, "hub", HubConfig, {
                "url": (_url, 'an http:// or https:// address such as "http://hub.local:8080", or ""'),
                "token": (_optional_text, "the room token printed by `kiosk hub add-room`"),
                "sync_seconds": (_number(1, 3600), "a number of seconds from 1 to 3600"),
                "ca_file": (_optional_path, 'the path of a PEM CA certificate such as "/etc/room-kiosk/hub-ca.crt", '
                                            'or "" for the system\'s CAs'),
            }),
            paths=self.section(data, "paths", PathsConfig, {
                "data": (_folder, "a folder path (a folder, or one that can be created; not a file)"),
                "usb_mount_root": (_path, "a folder path such as /media"),
                "allow_data_in_ram": (_bool, "true or false (true: run sessions even though a power cut "
                                             "would lose the logs)"),
            }),
            export=self.section(data, "export", ExportConfig, {
                "recipient": (_recipient, 'the hub\'s age recipient printed by `kiosk hub export-key` '
                                          '("age1" and 58 more letters and digits), or "" for plain exports'),
            }),
            downloads=self.section(data, "downloads", DownloadsConfig, {
                "port": (_integer(1024, 65535), "a port number from 1024 to 65535, such as 8480"),
            }),
            source=source,
        )

    def section(self, data: Mapping[str, Any], name: str, cls: type, spec: dict) -> Any:
        default = cls()
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            self.problem("", name, f"must be a table ([{name}]), not {_describe(raw)}")
            return default
        self.unknown(name, raw, list(spec))
        values = {key: self.value(name, raw, key, getattr(default, key), check, allowed)
                  for key, (check, allowed) in spec.items()}
        return replace(default, **values)

    def plans(self, raw: Any) -> tuple[Plan, ...]:
        if not isinstance(raw, list) or not raw or not all(isinstance(p, dict) for p in raw):
            self.problem("", "plans", "must be one or more [[plans]] tables")
            return Config().plans
        out: list[Plan] = []
        names: set[str] = set()
        allowed = ["name", *(f"{phase}_minutes" for phase in RITUAL_PHASES), "hard_end", "cue_minutes", "prompts"]
        for i, p in enumerate(raw):
            self.unknown("plans", p, allowed, i)
            if "name" not in p:
                self.problems.append(f"[[plans]] #{i + 1}: name is missing; give every plan a name")
            name = self.value("plans", p, "name", f"Plan {i + 1}", _text(1, 40), "text of 1 to 40 characters", i)
            if name in names:
                self.problem("plans", "name", f'"{name}" is used by two plans; names must differ', i)
            names.add(name)
            minutes = {}
            for phase in RITUAL_PHASES:
                low, default = PHASE_MINUTES[phase]
                minutes[phase] = self.value("plans", p, f"{phase}_minutes", default, _number(low, 240),
                                            f"a number of minutes from {low} to 240", i)
            hard_end = self.value("plans", p, "hard_end", None, _hhmm,
                                  'a time of day as "HH:MM" (24-hour), such as "10:45"', i)
            leads = self.cues(p.get("cue_minutes", {}), i) if "cue_minutes" in p else dict(DEFAULT_CUE_LEADS)
            prompts = self.prompts(p.get("prompts", {}), i) if "prompts" in p else dict(DEFAULT_PROMPTS)
            given = p.get("cue_minutes") if isinstance(p.get("cue_minutes"), dict) else {}
            for phase, lead_list in leads.items():
                if str(phase) not in given:  # a default cue that does not fit a short phase is skipped
                    continue
                length = minutes[str(phase)] * 60
                for lead in lead_list:
                    if lead >= length:
                        self.problem("plans", "cue_minutes",
                                     f"{phase} = {lead / 60:g} is not before the {phase} ends: the phase is "
                                     f"{length / 60:g} minutes long, so that cue could never come. Use fewer "
                                     f"minutes than {phase}_minutes", i)
            leads = {phase: tuple(lead for lead in lead_list if lead < minutes[str(phase)] * 60)
                     for phase, lead_list in leads.items()}
            out.append(Plan(name=name, opening=minutes["opening"] * 60, holding=minutes["holding"] * 60,
                            closing=minutes["closing"] * 60, hard_end=hard_end, cue_leads=leads,
                            prompts=prompts))
        return tuple(out)

    def cues(self, raw: Any, index: int) -> dict[Phase, tuple[float, ...]]:
        leads = dict(DEFAULT_CUE_LEADS)
        allowed = [str(phase) for phase in RITUAL_PHASES]
        if not isinstance(raw, dict):
            self.problem("plans", "cue_minutes", "must be a table such as { holding = [5, 2] }", index)
            return leads
        self.unknown("plans", raw, allowed, index)
        for key in allowed:
            if key in raw:
                value = raw[key]
                ok = isinstance(value, list) and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 240 for v in value)
                if not ok:
                    self.problem("plans", "cue_minutes",
                                 f"{key} = {_describe(value)} is not allowed; expected a list of minutes "
                                 "before the phase ends, such as [5, 2]", index)
                    continue
                leads[Phase(key)] = tuple(sorted((float(v) * 60 for v in value), reverse=True))
        return leads

    def prompts(self, raw: Any, index: int) -> dict[Phase, str]:
        prompts = dict(DEFAULT_PROMPTS)
        allowed = [str(p) for p in Phase]
        if not isinstance(raw, dict):
            self.problem("plans", "prompts", "must be a table such as { opening = \"Arriving\" }", index)
            return prompts
        self.unknown("plans", raw, allowed, index)
        for key in allowed:
            if key in raw:
                text = _text(1, 200)(raw[key])
                if text is None:
                    self.problem("plans", "prompts", f"{key} = {_describe(raw[key])} is not allowed; "
                                 "expected text of 1 to 200 characters", index)
                    continue
                prompts[Phase(key)] = text
        return prompts


def _closest(key: str, allowed: list[str]) -> str | None:
    match = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return match[0] if match else None


def _text(low: int, high: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return v.strip() if isinstance(v, str) and low <= len(v.strip()) <= high else None
    return check


def _optional_text(v: Any) -> Any:
    if not isinstance(v, str):
        return None
    return v.strip() or _NONE


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


def _number(low: float, high: float) -> Callable[[Any], float | None]:
    def check(v: Any) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        return float(v) if low <= v <= high else None
    return check


def _integer(low: int, high: int) -> Callable[[Any], int | None]:
    def check(v: Any) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high else None
    return check


def _choice(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda v: v if v in options else None


def _hhmm(v: Any) -> str | None:
    if not isinstance(v, str):
        return None
    m = _HHMM.match(v.strip())
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _zone(v: Any) -> str | None:
    if not isinstance(v, str) or not v:
        return None
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return v


def _pin(v: Any) -> str | None:
    return v if isinstance(v, str) and v.isdigit() and 4 <= len(v) <= 8 else None


def _url(v: Any) -> Any:
    if not isinstance(v, str):
        return None
    v = v.strip()
    if not v:
        return _NONE
    return v.rstrip("/") if re.match(r"^https?://[^\s/]+", v) else None


def _recipient(v: Any) -> Any:
    if not isinstance(v, str):
        return None
    if not v.strip():
        return _NONE
    from kiosk.export.sealing import valid_recipient

    return v.strip() if valid_recipient(v) else None


def _path(v: Any) -> Path | None:
    if not isinstance(v, str) or not v.strip():
        return None
    try:
        return Path(v).expanduser()
    except RuntimeError:  # ~someone who does not exist
        return None


def _folder(v: Any) -> Path | None:
    path = _path(v)
    return None if path is None or (path.exists() and not path.is_dir()) else path


def _serial_url(v: Any) -> Any:
    """A device path, or a URL pyserial can open (it says no at once to a protocol it does not know)."""
    text = _optional_text(v)
    if text is _NONE or text is None or "://" not in text:
        return text
    import serial

    try:
        serial.serial_for_url(text, do_not_open=True)
    except (ValueError, serial.SerialException):
        return None
    return text


def _optional_path(v: Any) -> Any:
    if isinstance(v, str) and not v.strip():
        return _NONE
    return _path(v)


class _NoneMarker:
    """Stands for an explicit empty value (a valid "none"), since None means invalid to _Reader.value."""


_NONE = _NoneMarker()


def _unmark(config: Config) -> Config:
    def clean(obj: Any) -> Any:
        changes = {f.name: None for f in fields(obj) if isinstance(getattr(obj, f.name), _NoneMarker)}
        return replace(obj, **changes) if changes else obj
    return replace(config, button=clean(config.button), hub=clean(config.hub), export=clean(config.export))
