"""The download page over real HTTP on loopback (waitress in its thread): the code, the cookie, CSRF,
the downloads against the journal, what is journalled, and the page gone after it closes."""

from __future__ import annotations

import csv
import io
import re
import tarfile

import pytest
import requests

from kiosk.downloads.page import COOKIE
from kiosk.session import facts as F
from tests.downloads.conftest import CODE


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(url: str, code: str = CODE) -> tuple[requests.Session, str]:
    s = requests.Session()
    page = s.get(url + "/", timeout=10)
    r = s.post(url + "/code", data={"csrf_token": csrf(page.text), "code": code}, timeout=10)
    return s, r.text


def test_the_page_carries_its_security_headers_and_a_strict_httponly_cookie(served):
    srv = served()
    r = requests.get(srv.url + "/", timeout=10)
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cache-Control"] == "no-store"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "<script" not in r.text


def test_the_right_code_opens_the_session_list_once(served, config):
    srv = served()
    s, html = sign_in(srv.url)
    assert 'id="sessions"' in html
    assert html.count("<tr data-session=") == 3
    assert "Not sealed" in html
    again, html2 = sign_in(srv.url)
    assert "has been used already" in html2 and 'id="sessions"' not in html2


def test_a_wrong_code_says_how_many_tries_are_left(served):
    srv = served()
    s, html = sign_in(srv.url, "000000")
    assert "That is not the code. 4 tries left." in html


def test_five_wrong_codes_rest_the_page_and_the_right_code_then_fails(served):
    srv = served()
    s = requests.Session()
    token = csrf(s.get(srv.url + "/", timeout=10).text)
    for _ in range(5):
        r = s.post(srv.url + "/code", data={"csrf_token": token, "code": "111111"}, timeout=10)
    assert r.status_code == 429 and "Too many wrong codes" in r.text
    r = s.post(srv.url + "/code", data={"csrf_token": token, "code": CODE}, timeout=10)
    assert r.status_code == 429 and 'id="sessions"' not in r.text
    assert len(srv.records("download.rested")) == 1


def test_an_expired_code_is_refused_and_closes_the_unused_page(served, clock):
    srv = served()
    s = requests.Session()
    token = csrf(s.get(srv.url + "/", timeout=10).text)
    clock.advance(301)
    r = s.post(srv.url + "/code", data={"csrf_token": token, "code": CODE}, timeout=10)
    assert r.status_code == 403 and "has expired" in r.text
    srv.downloads.poke()
    assert srv.downloads.wait_closed(10)
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "/", timeout=5)
    assert srv.records("downloads.closed")[0].payload["why"] == "code expired"


def test_a_post_without_its_csrf_token_is_refused(served):
    srv = served()
    s = requests.Session()
    s.get(srv.url + "/", timeout=10)
    assert s.post(srv.url + "/code", data={"code": CODE}, timeout=10).status_code == 403
    s2, _ = sign_in(srv.url)
    r = s2.post(srv.url + "/download", data={"what": "all", "format": "events.csv"}, timeout=10)
    assert r.status_code == 403 and not srv.records("download.served")


def test_a_forged_cookie_or_one_from_another_address_gets_nothing(served):
    srv = served()
    s, _ = sign_in(srv.url)
    token = csrf(s.get(srv.url + "/", timeout=10).text)
    forged = requests.post(srv.url + "/download", cookies={COOKIE: "A" * 43},
                           data={"csrf_token": token, "what": "all", "format": "bundle"}, timeout=10)
    assert forged.status_code == 403
    real = s.cookies.get(COOKIE)
    visitor = srv.downloads.opening.visitor(real, "127.0.0.1")
    assert visitor is not None and srv.downloads.opening.visitor(real, "127.0.0.2") is None


def test_the_pre_sign_in_cookie_is_useless_after_sign_in(served):
    srv = served()
    s = requests.Session()
    page = s.get(srv.url + "/", timeout=10)
    before = s.cookies.get(COOKIE)
    s.post(srv.url + "/code", data={"csrf_token": csrf(page.text), "code": CODE}, timeout=10)
    assert s.cookies.get(COOKIE) != before
    stale = requests.get(srv.url + "/", cookies={COOKIE: before}, timeout=10)
    assert 'id="sessions"' not in stale.text


def test_a_cookie_replayed_at_the_next_opening_is_worth_nothing(served, config, clock):
    first = served()
    s, _ = sign_in(first.url)
    cookie, token = s.cookies.get(COOKIE), csrf(s.get(first.url + "/", timeout=10).text)
    first.close()
    second = served()
    r = requests.post(second.url + "/download", cookies={COOKIE: cookie},
                      data={"csrf_token": token, "what": "all", "format": "bundle"}, timeout=10)
    assert r.status_code == 403
    assert 'id="sessions"' not in requests.get(second.url + "/", cookies={COOKIE: cookie}, timeout=10).text


def test_events_csv_of_everything_matches_the_journal_and_is_journalled(served):
    srv = served()
    s, _ = sign_in(srv.url)
    token = csrf(s.get(srv.url + "/", timeout=10).text)
    r = s.post(srv.url + "/download", data={"csrf_token": token, "what": "all", "format": "events.csv"},
               timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    served_rec = srv.records("download.served", wait=True)
    assert len(served_rec) == 1
    p = served_rec[0].payload
    journal_uuids = [e.uuid for e in srv.journal.records() if e.seq <= p["seq_last"]]
    assert [row["uuid"] for row in rows] == journal_uuids
    assert p["complete"] is True and p["bytes"] == len(r.content) and p["to"] == "127.0.0.1"
    assert (p["what"], p["format"]) == ("all", "events.csv")


def test_one_session_as_a_bundle_holds_that_session_only(served):
    srv = served()
    s, html = sign_in(srv.url)
    sid = re.findall(r'<tr data-session="([^"]+)"', html)[1]
    token = csrf(html)
    r = s.post(srv.url + "/download", data={"csrf_token": token, "what": "session", "session": sid,
                                            "format": "bundle"}, timeout=30)
    assert r.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(r.content)) as tar:
        names = tar.getnames()
        sessions = [m for m in names if m.endswith("sessions.csv")][0]
        text = tar.extractfile(sessions).read().decode("utf-8-sig")
    assert len(names) == 4
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["session_id"] for row in rows] == [sid]


def test_a_date_range_with_nothing_in_it_says_so(served):
    srv = served()
    s, html = sign_in(srv.url)
    r = s.post(srv.url + "/download", data={"csrf_token": csrf(html), "what": "range", "from": "2001-01-01",
                                            "to": "2001-01-02", "format": "sessions.csv"}, timeout=30)
    assert r.status_code == 404 and "nothing to download" in r.text.lower()


def test_a_sealed_kiosk_serves_an_age_file_the_age_tool_opens(served, config, tmp_path):
    import subprocess
    from dataclasses import replace

    from kiosk.config import ExportConfig
    from kiosk.hub.exportkey import ensure_identity, identity_path
    from tests.needs import need_tool

    age = need_tool("age")
    recipient, _ = ensure_identity(tmp_path / "hub")
    srv = served(replace(config, export=ExportConfig(recipient=recipient)))
    s, html = sign_in(srv.url)
    assert "sealed to the hub" in html
    r = s.post(srv.url + "/download", data={"csrf_token": csrf(html), "what": "all", "format": "bundle"},
               timeout=30)
    assert r.headers["Content-Disposition"].endswith('.age"')
    assert r.content.startswith(b"age-encryption.org/v1")
    plain = subprocess.run([age, "-d", "-i", str(identity_path(tmp_path / "hub"))], input=r.content,
                           capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        assert sorted(n.split("/")[1] for n in tar.getnames()) == ["events.csv", "events.jsonl", "manifest.json",
                                                                  "sessions.csv"]
    assert srv.records("download.served", wait=True)[0].payload["sealed"] is True


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                                  "//etc/passwd", "/static/../kiosk.sqlite3", "/kiosk.sqlite3",
                                  "/download-staging/", "/%2Fetc%2Fpasswd"])
def test_no_path_reaches_the_filesystem(served, path):
    srv = served()
    s, _ = sign_in(srv.url)
    r = s.get(srv.url + path, timeout=10)
    assert r.status_code in (404, 405) and b"root:" not in r.content and b"SQLite" not in r.content


@pytest.mark.parametrize("field,value", [("session", "../../kiosk.sqlite3"), ("session", "/etc/passwd"),
                                         ("session", "%2e%2e%2fkiosk"), ("format", "../kiosk.sqlite3"),
                                         ("format", "/etc/passwd"), ("what", "../")])
def test_no_form_field_reaches_the_filesystem(served, field, value):
    srv = served()
    s, html = sign_in(srv.url)
    data = {"csrf_token": csrf(html), "what": "session", "session": "x", "format": "bundle", field: value}
    r = s.post(srv.url + "/download", data=data, timeout=10)
    assert r.status_code == 400 and "Not downloaded" in r.text and not srv.records("download.served")


def test_a_peer_outside_the_local_network_is_refused():
    from kiosk.downloads.page import local_peer

    assert all(local_peer(a) for a in ("127.0.0.1", "192.168.1.9", "10.42.0.17", "172.20.1.1", "fe80::1", "::1",
                                       "::ffff:192.168.0.4"))
    assert not any(local_peer(a) for a in ("8.8.8.8", "2001:4860::8888", "", "not an address"))


def test_closing_the_page_ends_it_and_the_journal_says_so(served):
    srv = served()
    s, _ = sign_in(srv.url)
    srv.downloads.close("panel closed")
    with pytest.raises(requests.ConnectionError):
        s.get(srv.url + "/", timeout=5)
    srv.journal.flush()
    kinds = [r.kind for r in srv.journal.records()][-2:]
    assert srv.records("downloads.closed")[0].payload["why"] == "panel closed"
    assert F.SESSION_STARTED not in kinds


def test_a_host_name_that_is_not_the_kiosk_s_is_refused(served):
    """DNS rebinding: a web page's own name pointed at the kiosk's address must not reach the page."""
    from kiosk.downloads.address import hostname

    srv = served()
    assert requests.get(srv.url + "/", headers={"Host": "evil.example:8480"}, timeout=10).status_code == 421
    for host in (f"{hostname()}.local:8480", "192.168.1.23:8480", "localhost", "[::1]:8480"):
        assert requests.get(srv.url + "/", headers={"Host": host}, timeout=10).status_code == 200, host


def test_scratch_files_go_after_each_download_and_only_stale_folders_are_cleared(served, config):
    import os
    import subprocess
    import sys

    from kiosk.downloads.delivery import STAGING

    root = config.paths.data / STAGING
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (root / f"{live.pid}-aaaa").mkdir(parents=True)
        (root / "999999999-bbbb").mkdir()  # no such process: a power cut left it
        srv = served()
        assert (root / f"{live.pid}-aaaa").is_dir() and not (root / "999999999-bbbb").exists()
        s, html = sign_in(srv.url)
        r = s.post(srv.url + "/download", data={"csrf_token": csrf(html), "what": "all", "format": "bundle"},
                   timeout=30)
        assert r.status_code == 200
        srv.records("download.served", wait=True)
        mine = [p for p in root.iterdir() if p.name.startswith(f"{os.getpid()}-")]
        assert all(not any(p.iterdir()) for p in mine), "a download's scratch files stay behind"
        srv.downloads.close()
        assert not [p for p in root.iterdir() if p.name.startswith(f"{os.getpid()}-")]
        assert (root / f"{live.pid}-aaaa").is_dir()
    finally:
        live.kill()
        live.wait()


def test_a_date_range_holds_the_sessions_of_those_days_only(served, config):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    srv = served()
    s, html = sign_in(srv.url)
    starts = srv.journal.records(kinds=[F.SESSION_STARTED])
    zone = ZoneInfo(config.timezone)
    days = [datetime.fromtimestamp(r.wall, zone).date() for r in starts]
    first = days[0]
    wanted = [r.session_id for r, d in zip(starts, days) if d == first]
    assert 0 < len(wanted) < len(starts), "the fixture's sessions should span two days"
    r = s.post(srv.url + "/download", data={"csrf_token": csrf(html), "what": "range", "from": first.isoformat(),
                                            "to": first.isoformat(), "format": "sessions.csv"}, timeout=30)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["session_id"] for row in rows] == wanted
    p = srv.records("download.served", wait=True)[0].payload
    assert (p["what"], p["first_day"], p["last_day"], p["to"]) == ("range", first.isoformat(), first.isoformat(),
                                                                   "127.0.0.1")
