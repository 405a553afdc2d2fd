"""Delivering one message on one channel: a signed webhook, an ntfy publish, an email over SMTP.

Each raises DeliveryError with a reason staff can act on; `permanent` says retrying cannot help (a
refused password, a 404), `retry_after` carries a receiver's Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Callable

import requests

from kiosk.hub.notify.channels import Channel
from kiosk.hub.notify.message import ACKNOWLEDGED, CANCELLED, ESCALATED, RESOLVED, TEST, Message
from kiosk.sync.backoff import parse_retry_after

SIGNATURE_HEADER = "X-Room-Kiosk-Signature"
TIMESTAMP_HEADER = "X-Room-Kiosk-Timestamp"
DELIVERY_HEADER = "X-Room-Kiosk-Delivery"
REPLAY_WINDOW_SECONDS = 300


class DeliveryError(RuntimeError):
    def __init__(self, reason: str, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": the body cannot be changed, nor an old one sent again later
    with a new timestamp."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float,
           window: float = REPLAY_WINDOW_SECONDS) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replays)."""
    try:
        fresh = abs(now - int(timestamp)) <= window
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def deliver(channel: Channel, message: Message, now: float, *, post: Callable = requests.post,
            smtp: type[smtplib.SMTP] = smtplib.SMTP) -> None:
    if channel.kind == "webhook":
        _webhook(channel, message, now, post)
    elif channel.kind == "ntfy":
        _ntfy(channel, message, post)
    elif channel.kind == "email":
        _email(channel, message, smtp)
    else:
        raise DeliveryError(f"unknown channel type {channel.kind!r}", permanent=True)


def _secret(channel: Channel, var: str, what: str) -> str:
    value = channel.env(var)
    if not value:
        raise DeliveryError(f"the environment variable {var} ({what}) is not set for the hub: set it in the hub's "
                            "environment file and restart the hub", permanent=True)
    return value


def _webhook(channel: Channel, message: Message, now: float, post: Callable) -> None:
    secret = _secret(channel, channel.secret_env, "the webhook's signing key")
    body = json.dumps(message.as_json(now), separators=(",", ":")).encode("utf-8")
    timestamp = str(int(now))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: sign(secret, timestamp, body), DELIVERY_HEADER: str(message.delivery_id),
               "User-Agent": "room-kiosk-hub"}
    _http(channel, post, data=body, headers=headers)


def _ntfy(channel: Channel, message: Message, post: Callable) -> None:
    quiet = message.what in (ACKNOWLEDGED, RESOLVED, CANCELLED, TEST)
    tags = {ACKNOWLEDGED: ["walking"], RESOLVED: ["white_check_mark"], CANCELLED: ["white_check_mark"],
            ESCALATED: ["bell", "hourglass"]}.get(message.what, list(channel.tags))
    headers = {"Title": _header_text(message.title()), "Priority": "default" if quiet else channel.priority,
               "Tags": ",".join(tags), "Content-Type": "text/plain; charset=utf-8", "User-Agent": "room-kiosk-hub"}
    if channel.token_env:
        headers["Authorization"] = "Bearer " + _secret(channel, channel.token_env, "the ntfy access token")
    _http(channel, post, data=message.text().encode("utf-8"), headers=headers)


def _header_text(text: str) -> str:
    """HTTP headers are ASCII; ntfy reads RFC 2047 encoded words for a title like "Raum 3 – Küche"."""
    return text if text.isascii() else Header(text, "utf-8").encode()


def _http(channel: Channel, post: Callable, **kwargs) -> None:
    try:
        response = post(channel.url, timeout=channel.timeout, allow_redirects=False, **kwargs)
    except requests.Timeout as exc:
        raise DeliveryError(f"{channel.url} did not answer within {channel.timeout:g} s") from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"cannot reach {channel.url}: {_cause(exc)}") from exc
    if 200 <= response.status_code < 300:
        return
    detail = _short(response.text) if response.text else response.reason
    reason = f"{channel.url} answered {response.status_code} {detail}".strip()
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        raise DeliveryError(reason, retry_after=parse_retry_after(response.headers.get("Retry-After"), 0.0))
    raise DeliveryError(reason + " (retrying cannot help: check the channel's url and key)", permanent=True)


def _email(channel: Channel, message: Message, smtp: type[smtplib.SMTP]) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.title()
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid("room-kiosk")
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text() + "\n\n-- \n" + message.footer() + "\n")
    try:
        with smtp(channel.host, channel.port, timeout=channel.timeout) as server:
            server.ehlo()
            if channel.starttls:
                server.starttls(context=ssl.create_default_context(cafile=channel.ca_file or None))
                server.ehlo()
            if channel.username_env:
                server.login(_secret(channel, channel.username_env, "the SMTP user"),
                             _secret(channel, channel.password_env, "the SMTP password"))
            server.send_message(mail)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{channel.host} refused the SMTP login ({exc.smtp_code}): check the user and "
                            "password in the hub's environment", permanent=True) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{channel.host}:{channel.port} does not offer STARTTLS: use the server's submission "
                            "port (usually 587)", permanent=True) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"{channel.host}'s certificate is not trusted ({exc.verify_message}): set ca_file",
                            permanent=True) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{channel.host} refused the recipients {', '.join(exc.recipients)}",
                            permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError(f"{channel.host} answered {exc.smtp_code} {_short(text)}",
                            permanent=500 <= exc.smtp_code < 600) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"cannot deliver to {channel.host}:{channel.port}: {type(exc).__name__}: {_short(exc)}") \
            from exc


def _cause(exc: BaseException) -> str:
    """The words that matter ("Connection refused", "Name or service not known") from urllib3's wrapping."""
    found = re.findall(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    return found[-1].strip() if found else f"{type(exc).__name__}: {_short(exc)}"


def _short(value: object, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
