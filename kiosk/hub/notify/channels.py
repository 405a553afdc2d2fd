"""The hub's alert settings: `alerts.toml` in the hub's data folder, read once when the hub starts.

A file rather than `kiosk hub` commands: a school sets its channels once, keeps the file with the rest of
its set-up, and several hub processes on one PostgreSQL read the same settings from the same file (each
process's data folder holds a copy). Secrets are never in the file: it names environment variables.
Every mistake names the file, the key, what was given and what is allowed.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from kiosk.language import LANGUAGE_NAMES, LANGUAGES, SOURCE

ALERTS_FILE = "alerts.toml"
KINDS = ("webhook", "ntfy", "email")
NTFY_PRIORITIES = ("min", "low", "default", "high", "max", "urgent", "1", "2", "3", "4", "5")


class AlertsConfigError(ValueError):
    def __init__(self, source: Path | None, problems: list[str]) -> None:
        self.source, self.problems = source, problems
        where = str(source) if source else "the alert settings"
        super().__init__(f"{where}: " + "; ".join(problems))


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str                      # webhook, ntfy, email
    rooms: tuple[str, ...] = ()    # empty: every room
    escalation: bool = False       # True: only calls nobody answered in time (and what follows on them)
    url: str = ""                  # webhook: the receiver; ntfy: the server and topic
    secret_env: str = ""           # webhook: the HMAC key's environment variable
    token_env: str = ""            # ntfy: an access token's environment variable (protected topics)
    priority: str = "high"         # ntfy
    tags: tuple[str, ...] = ("bell",)  # ntfy
    host: str = ""                 # email
    port: int = 587
    starttls: bool = True
    sender: str = ""               # email From
    to: tuple[str, ...] = ()
    username_env: str = ""
    password_env: str = ""
    ca_file: str = ""              # email: a CA to trust for STARTTLS (default: the system's)
    timeout: float = 10.0
    language: str = SOURCE         # what its messages say: one of kiosk.language.LANGUAGES ([alerts] language)

    def covers(self, room: str) -> bool:
        return not self.rooms or room in self.rooms

    def env(self, name: str) -> str:
        return os.environ.get(name, "") if name else ""


@dataclass(frozen=True)
class AlertSettings:
    escalate_after_seconds: float = 60.0
    sound_every_seconds: float = 10.0
    kiosk_heartbeat_seconds: float = 30.0   # the kiosks' [hub] sync_seconds: two missed is "disconnected"
    give_up_after_seconds: float = 3600.0   # a delivery still failing after this is marked failed
    language: str = SOURCE                  # the alerts' language; a channel's own `language` overrides it
    channels: tuple[Channel, ...] = field(default_factory=tuple)

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)


_TOP = {"escalate_after_seconds": (5, 3600), "sound_every_seconds": (2, 600),
        "kiosk_heartbeat_seconds": (1, 3600), "give_up_after_seconds": (60, 7 * 86400)}
_COMMON = {"name", "type", "rooms", "escalation", "timeout", "language"}
_BY_KIND = {"webhook": {"url", "secret_env"},
            "ntfy": {"url", "token_env", "priority", "tags"},
            "email": {"host", "port", "starttls", "from", "to", "username_env", "password_env", "ca_file"}}


def load_alerts(data_dir: Path | str) -> AlertSettings:
    """The settings in data_dir/alerts.toml, or the defaults (no channels) when there is no such file."""
    path = Path(data_dir) / ALERTS_FILE
    if not path.exists():
        return AlertSettings()
    return parse_alerts(path.read_text(encoding="utf-8"), path)


def parse_alerts(text: str, source: Path | None = None) -> AlertSettings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AlertsConfigError(source, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    unknown = set(data) - {"alerts", "channel"}
    for key in sorted(unknown):
        problems.append(f"unknown key {key!r}{_hint(key, ['alerts', 'channel'])}: allowed are [alerts] and [[channel]]")
    top: dict[str, Any] = {}
    table = data.get("alerts", {})
    if not isinstance(table, dict):
        problems.append("[alerts] must be a table")
        table = {}
    for key, value in table.items():
        if key == "language":
            if _language_problem(value):
                problems.append(f"[alerts] language = {value!r}: {_language_problem(value)}")
            else:
                top[key] = value
            continue
        if key not in _TOP:
            problems.append(f"[alerts] unknown key {key!r}{_hint(key, [*_TOP, 'language'])}: allowed are "
                            f"{', '.join(_TOP)}, language")
            continue
        low, high = _TOP[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            problems.append(f"[alerts] {key} = {value!r}: must be a number of seconds from {low} to {high}")
            continue
        top[key] = float(value)
    channels: list[Channel] = []
    raw_channels = data.get("channel", [])
    if not isinstance(raw_channels, list):
        problems.append("channel must be written [[channel]] (a list of tables), one per channel")
        raw_channels = []
    names: set[str] = set()
    for index, raw in enumerate(raw_channels):
        if isinstance(raw, dict) and "language" not in raw and "language" in top:
            raw = {**raw, "language": top["language"]}
        channel = _channel(index, raw, problems)
        if channel is None:
            continue
        if channel.name in names:
            problems.append(f"[[channel]] #{index + 1}: the name {channel.name!r} is used twice: each channel "
                            "needs its own name")
        names.add(channel.name)
        channels.append(channel)
    if problems:
        raise AlertsConfigError(source, problems)
    return AlertSettings(channels=tuple(channels), **top)


def _channel(index: int, raw: Any, problems: list[str]) -> Channel | None:
    at = f"[[channel]] #{index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{at} must be a table")
        return None
    before = len(problems)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems.append(f"{at} name = {raw.get('name')!r}: give each channel a name of 1 to 100 characters, "
                        "e.g. \"office phones\"")
        name = "?"
    at = f"{at} ({name})"
    kind = raw.get("type")
    if kind not in KINDS:
        problems.append(f"{at} type = {kind!r}: must be one of {', '.join(KINDS)}")
        return None
    allowed = _COMMON | _BY_KIND[kind]
    for key in raw:
        if key not in allowed:
            problems.append(f"{at} unknown key {key!r} for a {kind} channel{_hint(key, sorted(allowed))}: "
                            f"allowed are {', '.join(sorted(allowed))}")
    values: dict[str, Any] = {"name": name, "kind": kind}
    rooms = raw.get("rooms", [])
    if not isinstance(rooms, list) or not all(isinstance(r, str) and r.strip() for r in rooms):
        problems.append(f"{at} rooms = {rooms!r}: a list of room names as the hub knows them, e.g. [\"Room 3\"]; "
                        "leave it out for every room")
    else:
        values["rooms"] = tuple(" ".join(r.split()) for r in rooms)
    for key, attr in (("escalation", "escalation"), ("starttls", "starttls")):
        if key in raw:
            if not isinstance(raw[key], bool):
                problems.append(f"{at} {key} = {raw[key]!r}: must be true or false")
            else:
                values[attr] = raw[key]
    if "language" in raw:
        if _language_problem(raw["language"]):
            problems.append(f"{at} language = {raw['language']!r}: {_language_problem(raw['language'])}")
        else:
            values["language"] = raw["language"]
    if "timeout" in raw:
        t = raw["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 1 <= t <= 60:
            problems.append(f"{at} timeout = {t!r}: must be a number of seconds from 1 to 60")
        else:
            values["timeout"] = float(t)
    if kind in ("webhook", "ntfy"):
        url = raw.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            example = "https://ntfy.sh/room-kiosk-3f9a1c" if kind == "ntfy" else "https://alerts.example.org/room-kiosk"
            problems.append(f"{at} url = {url!r}: must be an http:// or https:// address, e.g. \"{example}\"")
        else:
            values["url"] = url
    for key in ("secret_env", "token_env", "username_env", "password_env"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].replace("_", "").isalnum():
                problems.append(f"{at} {key} = {raw[key]!r}: the name of an environment variable, e.g. "
                                "\"KIOSK_ALERT_SECRET\" (the secret itself never goes in this file)")
            else:
                values[key] = raw[key]
    if kind == "webhook" and not values.get("secret_env"):
        problems.append(f"{at}: a webhook needs secret_env, the environment variable holding the key its "
                        "messages are signed with (HMAC-SHA256), so the receiver can check they come from the hub")
    if kind == "ntfy":
        priority = str(raw.get("priority", "high"))
        if priority not in NTFY_PRIORITIES:
            problems.append(f"{at} priority = {raw.get('priority')!r}: must be one of {', '.join(NTFY_PRIORITIES)}")
        values["priority"] = priority
        tags = raw.get("tags", ["bell"])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t and "," not in t for t in tags):
            problems.append(f"{at} tags = {tags!r}: a list of ntfy tags without commas, e.g. [\"bell\"]")
        else:
            values["tags"] = tuple(tags)
    if kind == "email":
        for key, attr in (("host", "host"), ("from", "sender")):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                problems.append(f"{at} {key} = {raw.get(key)!r}: required for an email channel, e.g. "
                                + ("\"smtp.example.org\"" if key == "host" else "\"hub@school.example.org\""))
            else:
                values[attr] = raw[key].strip()
        to = raw.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(t, str) and "@" in t for t in to):
            problems.append(f"{at} to = {raw.get('to')!r}: one or more addresses, e.g. [\"office@school.example.org\"]")
        else:
            values["to"] = tuple(to)
        port = raw.get("port", 587)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            problems.append(f"{at} port = {port!r}: must be a port number, usually 587 (STARTTLS)")
        else:
            values["port"] = port
        if "ca_file" in raw:
            if not isinstance(raw["ca_file"], str) or not Path(raw["ca_file"]).is_file():
                problems.append(f"{at} ca_file = {raw['ca_file']!r}: no such file; give the path of a PEM certificate")
            else:
                values["ca_file"] = raw["ca_file"]
        if bool(values.get("username_env")) != bool(values.get("password_env")):
            problems.append(f"{at}: give both username_env and password_env, or neither")
    if len(problems) > before:
        return None
    return Channel(**values)


def _language_problem(value: Any) -> str:
    if value in LANGUAGES:
        return ""
    return "must be one of " + ", ".join(f'"{code}" ({name})' for code, name in LANGUAGE_NAMES.items())


def _hint(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(settings: AlertSettings, _: Callable[[str], str] = lambda text: text) -> list[str]:
    """One line per channel for `kiosk hub alerts` and the staff page (`_`: the reader's gettext): where it
    sends, for which rooms, in which language."""
    lines = []
    for c in settings.channels:
        where = {"webhook": c.url, "ntfy": c.url, "email": ", ".join(c.to)}[c.kind]
        rooms = ", ".join(c.rooms) if c.rooms else _("every room")
        line = _("%(name)s: %(kind)s to %(where)s · %(rooms)s") % {"name": c.name, "kind": c.kind, "where": where,
                                                                   "rooms": rooms}
        line += (" · " + _("escalations only")) if c.escalation else ""
        lines.append(line + (f" · {LANGUAGE_NAMES[c.language]}" if c.language != SOURCE else ""))
    return lines


def missing_secrets(settings: AlertSettings, environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    out = []
    for c in settings.channels:
        for var in (c.secret_env, c.token_env, c.username_env, c.password_env):
            if var and not env.get(var):
                out.append(f"channel {c.name!r}: the environment variable {var} is not set")
    return out
