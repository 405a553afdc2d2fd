"""Behaviour only a real waitress server shows: proxy headers, header encodings."""

from __future__ import annotations

import re

import pytest
import requests

from tests.hub.hubproc import start_hub

PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example", "Origin": "https://hub.example"}


class _ProxyLeg(requests.Session):
    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)


def behind_proxy() -> requests.Session:
    """A browser on https://hub.example as the hub sees it through the proxy: the proxy's leg to the hub
    is plain http, so this client sends Secure cookies there too (the browser sent them over TLS)."""
    return _ProxyLeg()


def _set_cookie(response: requests.Response) -> str:
    return response.headers.get("Set-Cookie", "")


def _login(session: requests.Session, url: str, headers: dict[str, str], user: str = "staff",
           password: str = "correct horse") -> requests.Response:
    page = session.get(f"{url}/login", headers=headers, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return session.post(f"{url}/login", data={"user": user, "password": password, "csrf_token": token},
                        headers=headers, allow_redirects=False, timeout=10)


@pytest.fixture
def proxied_hub(tmp_path):
    with start_hub(tmp_path / "hub", threads=4, extra_args=("--trusted-proxy", "127.0.0.1")) as hub:
        hub.set_password("staff", "correct horse")
        hub.set_password("other", "correct horse")
        yield hub


def test_behind_a_trusted_https_proxy_staff_posts_pass(proxied_hub):
    session = behind_proxy()
    response = _login(session, proxied_hub.url, PROXIED)
    assert response.status_code == 302, response.text
    assert response.headers["Location"] in ("/", "https://hub.example/")
    board = session.get(f"{proxied_hub.url}/", headers=PROXIED, timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', board.text).group(1)
    response = session.post(f"{proxied_hub.url}/name", data={"csrf_token": token},
                            headers={**PROXIED, "X-Requested-With": "fetch"}, timeout=10)
    assert response.status_code == 200 and response.json()["ok"]


def test_proxy_headers_from_an_untrusted_peer_are_not_believed(tmp_path):
    with start_hub(tmp_path / "hub", threads=4) as hub:
        hub.set_password("staff", "correct horse")
        response = _login(requests.Session(), hub.url, PROXIED)
        assert response.status_code == 403


def test_login_throttle_is_per_client_address_and_user_behind_the_proxy(proxied_hub):
    url = proxied_hub.url

    def attempt(client: str, user: str = "staff", password: str = "wrong horse") -> int:
        return _login(behind_proxy(), url, {**PROXIED, "X-Forwarded-For": client}, user, password).status_code

    for _ in range(5):
        assert attempt("10.0.0.1") == 401
    assert attempt("10.0.0.1", password="correct horse") == 429     # this person, this name: slowed down
    assert attempt("10.0.0.2", password="correct horse") == 302     # a colleague elsewhere, same name
    assert attempt("10.0.0.1", user="other", password="correct horse") == 302  # same place, own name


def test_logs_of_a_room_with_a_non_latin_name_download(tmp_path):
    from urllib.parse import unquote

    from tests.hub.hubproc import start_hub

    with start_hub(tmp_path / "hub", threads=4) as hub:
        hub.set_password("staff", "correct horse")
        token = hub.add_room("Комната 3")
        event = {"uuid": "0b6f2c1e-1111-4a2b-9c3d-0123456789ab", "seq": 1, "device_id": "d",
                 "wall": "2026-11-25T10:00:00.000Z", "mono": 1.0, "boot_id": "b", "clock_trusted": True,
                 "session_id": None, "kind": "cue.fired", "payload": {"at": 1795000000.0}}
        response = requests.post(f"{hub.url}/api/v1/events", json={"device_id": "d", "events": [event]},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 200, response.text
        session = requests.Session()
        assert _login(session, hub.url, {}).status_code == 302
        for fmt in ("csv", "json"):
            response = session.get(f"{hub.url}/logs/download", params={"room": "Комната 3", "from": "2026-11-24",
                                                                        "to": "2026-11-26", "format": fmt}, timeout=10)
            assert response.status_code == 200, response.text
            header = response.headers["Content-Disposition"]
            assert f'filename="kiosk-logs---------3-2026-11-24-to-2026-11-26.{fmt}"' in header
            encoded = header.split("filename*=UTF-8''")[1]
            assert unquote(encoded) == f"kiosk-logs-комната-3-2026-11-24-to-2026-11-26.{fmt}"
            if fmt == "json":
                assert [e["room"] for e in response.json()["events"]] == ["Комната 3"]
            else:
                assert response.content.decode("utf-8").splitlines()[1].startswith("Комната 3,")


def test_a_login_from_before_set_password_or_remove_staff_is_refused(tmp_path):
    with start_hub(tmp_path / "hub", threads=4) as hub:
        hub.set_password("staff", "correct horse")
        session = requests.Session()
        assert _login(session, hub.url, {}).status_code == 302
        cookie = session.cookies.get("kiosk_hub_session")
        assert session.get(f"{hub.url}/board.json", timeout=10).status_code == 200
        hub.set_password("staff", "new password")
        stale = requests.get(f"{hub.url}/board.json", cookies={"kiosk_hub_session": cookie}, timeout=10)
        assert stale.status_code == 401
        session = requests.Session()
        assert _login(session, hub.url, {}, password="new password").status_code == 302
        hub.cli("remove-staff", "--user", "staff")
        assert session.get(f"{hub.url}/board.json", timeout=10).status_code == 401
        with pytest.raises(RuntimeError, match="no staff user 'staff'"):
            hub.cli("remove-staff", "--user", "staff")


def test_the_session_cookie_is_secure_when_the_trusted_proxy_says_https(proxied_hub):
    """Per request: the same hub, reached as https through the proxy and as plain http, marks its cookie
    Secure only for the https request."""
    url = proxied_hub.url
    https = requests.get(f"{url}/login", headers=PROXIED, timeout=10)
    assert "kiosk_hub_session=" in _set_cookie(https) and "Secure" in _set_cookie(https)
    plain = requests.get(f"{url}/login", headers={"X-Forwarded-Proto": "http"}, timeout=10)
    assert "kiosk_hub_session=" in _set_cookie(plain) and "Secure" not in _set_cookie(plain)
    direct = requests.get(f"{url}/login", timeout=10)
    assert "kiosk_hub_session=" in _set_cookie(direct) and "Secure" not in _set_cookie(direct)
    session = behind_proxy()
    response = _login(session, url, PROXIED)
    assert response.status_code == 302 and "Secure" in _set_cookie(response)


def test_an_untrusted_peer_cannot_make_the_cookie_secure_but_secure_cookies_still_does(tmp_path):
    with start_hub(tmp_path / "plain", threads=4) as hub:
        response = requests.get(f"{hub.url}/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert "kiosk_hub_session=" in _set_cookie(response) and "Secure" not in _set_cookie(response)
    with start_hub(tmp_path / "secure", threads=4, extra_args=("--secure-cookies",)) as hub:
        response = requests.get(f"{hub.url}/login", timeout=10)
        assert "kiosk_hub_session=" in _set_cookie(response) and "Secure" in _set_cookie(response)


def test_a_copied_cookie_stops_working_when_its_browser_logs_out(tmp_path):
    with start_hub(tmp_path / "hub", threads=4) as hub:
        hub.set_password("staff", "correct horse")
        browser, other_browser = requests.Session(), requests.Session()
        assert _login(browser, hub.url, {}).status_code == 302
        assert _login(other_browser, hub.url, {}).status_code == 302
        copy = {"kiosk_hub_session": browser.cookies.get("kiosk_hub_session")}
        assert requests.get(f"{hub.url}/board.json", cookies=copy, timeout=10).status_code == 200
        token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(f"{hub.url}/", timeout=10).text).group(1)
        assert browser.post(f"{hub.url}/logout", data={"csrf_token": token}, allow_redirects=False,
                            timeout=10).status_code == 302
        assert requests.get(f"{hub.url}/board.json", cookies=copy, timeout=10).status_code == 401
        assert requests.get(f"{hub.url}/api/v1/rooms", cookies=copy, timeout=10).status_code == 401
        assert other_browser.get(f"{hub.url}/board.json", timeout=10).status_code == 200
