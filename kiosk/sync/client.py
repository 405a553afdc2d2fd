"""The hub's HTTP API (docs/hub-api.md, version 1) as seen from a kiosk.

Every failure is turned into one of three plain answers the worker acts on:
the hub cannot be reached or cannot commit now (retry with backoff), the hub
refuses this kiosk's token (retry slowly, tell the facilitator), or the hub
refuses this batch as a whole (find the bad event and set it aside). A failure
after the request reached the hub (an internal error, a dropped connection, no
answer in time) is told apart from one where it never got there, because only
the first can be caused by what the request carried.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from kiosk.sync.backoff import parse_retry_after

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/events"
HEARTBEAT_PATH = "/api/v1/heartbeat"
HELP_PATH = "/api/v1/help"

CONFIRMING = frozenset({"stored", "duplicate"})
REJECTED = "rejected"


class HubError(Exception):
    """Something went wrong talking to the hub; str() is plain words for the facilitator."""


class HubUnreachable(HubError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HubBusy(HubUnreachable):
    """429 or 503: the hub answered, and cannot take this upload now (its database is busy or down, or it is
    ingesting other kiosks' backlogs); come back after Retry-After. The hub is there: a help upload, which
    the hub serves first, may well be taken meanwhile."""


class HubFailed(HubUnreachable):
    """The request reached the hub (or its proxy) and failed there: an internal error (500, 502, 504),
    a connection dropped after sending, or no answer in time. The hub may be down, or it may be
    failing on what this request carried; only the uploader can tell, by what else gets through."""


class TokenRefused(HubError):
    """401/403: the hub does not know this kiosk's key. The message (for the log) has the hub's words;
    PLAIN is what the facilitator layer says, in words for a therapist."""

    PLAIN = "the hub refused this kiosk's key: ask whoever runs the hub"


class BatchRefused(HubError):
    """400 or 413: the hub stored nothing of this batch, and says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class UploadAnswer:
    confirmed: list[str]
    rejected: dict[str, str]
    unanswered: list[str]


@dataclass(frozen=True)
class HubCall:
    call_id: str
    state: str
    by: str | None


def encode_event(wire: dict[str, Any]) -> str:
    return json.dumps(wire, separators=(",", ":"), ensure_ascii=False)


class HubClient:
    """One thread's connection to the hub; give each thread its own client."""

    def __init__(self, url: str, token: str | None, *, session: requests.Session | None = None,
                 timeout: tuple[float, float] = (5.0, 30.0), now: Callable[[], float] = time.time,
                 ca_file: str | os.PathLike | None = None, priority: str | None = None) -> None:
        """priority: the Priority header its uploads carry (HELP_PRIORITY, BACKLOG_PRIORITY), so a hub
        with a queue serves a help call before a backlog batch; None sends none."""
        self.url = url.rstrip("/")
        # a private CA ([hub] ca_file, e.g. Caddy's internal one) instead of the system's CAs
        self.verify: str | None = os.fspath(ca_file) if ca_file else None
        self.token = token or ""
        self.session = session or requests.Session()
        self.timeout = timeout
        self.priority = priority
        self._now = now

    def close(self) -> None:
        self.session.close()

    # --- endpoints -----------------------------------------------------------

    def upload(self, device_id: str, waiting: int, encoded_events: Sequence[str],
               uuids: Sequence[str]) -> UploadAnswer:
        """POST pre-encoded events; returns which UUIDs the hub committed or rejected."""
        body = ('{"device_id":%s,"waiting":%d,"events":[%s]}'
                % (json.dumps(device_id), waiting, ",".join(encoded_events))).encode("utf-8")
        answer = self._request("POST", EVENTS_PATH, body=body, batch=True)
        results = answer.get("results")
        if not isinstance(results, list):
            raise HubUnreachable("the hub answered an upload without results: is the hub's version "
                                 "compatible with this kiosk?")
        confirmed: list[str] = []
        rejected: dict[str, str] = {}
        asked = set(uuids)
        for item in results:
            if not isinstance(item, dict) or item.get("uuid") not in asked:
                continue
            status = item.get("status")
            if status in CONFIRMING:
                confirmed.append(item["uuid"])
            elif status == REJECTED:
                rejected[item["uuid"]] = str(item.get("reason") or "rejected by the hub (no reason given)")
            else:
                log.warning("hub answered unknown status %r for event %s; it stays waiting",
                            status, item.get("uuid"))
        answered = set(confirmed) | set(rejected)
        return UploadAnswer(confirmed, rejected, [u for u in uuids if u not in answered])

    def heartbeat(self, device_id: str, waiting: int, phase: str, glyph: str) -> None:
        body = json.dumps({"device_id": device_id, "waiting": waiting, "phase": phase,
                           "glyph": glyph}).encode("utf-8")
        self._request("POST", HEARTBEAT_PATH, body=body)

    def help_calls(self, wait: float = 0.0) -> list[HubCall]:
        wait_s = max(0, min(25, int(round(wait))))
        answer = self._request("GET", f"{HELP_PATH}?wait={wait_s}", extra_read=wait_s)
        calls = answer.get("calls")
        if not isinstance(calls, list):
            raise HubUnreachable("the hub answered the help-call check without calls: is the hub's "
                                 "version compatible with this kiosk?")
        out = []
        for c in calls:
            if isinstance(c, dict) and isinstance(c.get("call_id"), str) and isinstance(c.get("state"), str):
                by = c.get("by")
                out.append(HubCall(c["call_id"], c["state"], by if isinstance(by, str) else None))
        return out

    # --- plumbing ------------------------------------------------------------

    def _request(self, method: str, path: str, body: bytes | None = None, batch: bool = False,
                 extra_read: float = 0.0) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if batch and self.priority:
            headers["Priority"] = self.priority
        timeout = (self.timeout[0], self.timeout[1] + extra_read)
        try:
            resp = self.session.request(method, self.url + path, data=body, headers=headers, timeout=timeout,
                                        verify=self.verify)
        except requests.exceptions.SSLError:
            raise HubUnreachable(f"the hub at {self.url} has a certificate this kiosk does not trust: set [hub] "
                                 "ca_file to the hub's CA certificate (`kiosk doctor` checks it)") from None
        except requests.ConnectTimeout:
            raise HubUnreachable(f"the hub at {self.url} did not answer in time") from None
        except requests.Timeout:
            raise HubFailed(f"the hub at {self.url} did not answer in time") from None
        except requests.ConnectionError as exc:
            kind = HubFailed if _was_sent(exc) else HubUnreachable
            raise kind(f"cannot reach the hub at {self.url} ({_short(exc)})") from None
        except requests.RequestException as exc:
            raise HubUnreachable(f"talking to the hub at {self.url} failed ({_short(exc)})") from None
        status = resp.status_code
        if status == 200:
            try:
                data = resp.json()
            except ValueError:
                raise HubUnreachable(f"the hub at {self.url} answered something that is not JSON") from None
            if not isinstance(data, dict):
                raise HubUnreachable(f"the hub at {self.url} answered an unexpected shape")
            return data
        reason = _error_text(resp)
        if status in (401, 403):
            raise TokenRefused("the hub refused this kiosk's token: check [hub] token"
                               + (f" (hub says: {reason})" if reason else ""))
        if batch and status in (400, 413):
            raise BatchRefused(status, reason or f"the hub refused the batch (HTTP {status})")
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._now())
        if status == 404:
            raise HubUnreachable(f"the hub at {self.url} has no {path.split('?')[0]}: check [hub] url "
                                 "and that the hub runs a compatible version")
        if status in (429, 503):
            raise HubBusy("the hub is busy or cannot store now" + (f": {reason}" if reason else ""), retry_after)
        kind = HubFailed if status >= 500 else HubUnreachable
        raise kind(f"the hub had an internal error (HTTP {status})" + (f": {reason}" if reason else ""),
                   retry_after)


def _error_text(resp: requests.Response) -> str:
    """The hub's own words, or a non-JSON page's text on one line (a proxy's or another server's HTML error page
    answering at the hub's URL): it ends up in a log line and in `kiosk sync status`."""
    try:
        data = resp.json()
    except ValueError:
        return " ".join(re.sub(r"<[^>]*>", " ", resp.text).split())[:200]
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return ""


def _was_sent(exc: requests.ConnectionError) -> bool:
    """False when the connection was never made (refused, no route, unknown name): nothing was sent."""
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Connection reset", "Remote end closed", "Name or service not known",
                   "timed out", "No route to host", "Network is unreachable"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__
