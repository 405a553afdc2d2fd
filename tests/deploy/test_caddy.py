"""The hub behind the real Caddy (deploy/hub/Caddyfile) with its internal CA, on loopback: the kiosk's
sync client and `kiosk doctor` trust it through [hub] ca_file, and refuse it without."""

from __future__ import annotations

import json
import re
import os
import socket
import subprocess
import sys
import time

import pytest

from kiosk.clock import SystemClock
from kiosk.doctor.hubcheck import probe
from kiosk.store.journal import Journal
from kiosk.sync.client import HubClient, HubUnreachable
from tests.deploy.conftest import REPO
from tests.hub.hubproc import start_hub
from tests.needs import need_tool
from tests.sync.hubside import stored_uuids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proc = start_hub(tmp_path_factory.mktemp("hub"), extra_args=("--trusted-proxy", "127.0.0.1", "--secure-cookies"))
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def caddy(hub, tmp_path_factory):
    """Caddy running the shipped Caddyfile, its address and CA certificate set from the environment."""
    binary = need_tool("caddy")
    home = tmp_path_factory.mktemp("caddy")
    port = free_port()
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "CADDY_ADMIN": "off",
           "CADDY_HTTP_PORT": str(free_port()), "CADDY_HTTPS_PORT": str(port),
           "KIOSK_HUB_ADDRESS": f"localhost:{port}", "KIOSK_HUB_UPSTREAM": f"127.0.0.1:{hub.port}"}
    log = open(home / "caddy.log", "w")
    proc = subprocess.Popen([binary, "run", "--config", str(REPO / "deploy/hub/Caddyfile"), "--adapter", "caddyfile"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ca = home / "data/caddy/pki/authorities/local/root.crt"
    url = f"https://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while probe(url, "x", ca if ca.exists() else None).outcome != "refused_token":
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"caddy did not come up:\n{(home / 'caddy.log').read_text()[-3000:]}")
            time.sleep(0.1)
        yield url, ca
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def test_the_sync_client_uploads_through_caddy_trusting_its_ca(hub, caddy, tmp_path):
    url, ca = caddy
    token = hub.add_room("Room 3")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'room = "Room 3"\npin = "4826"\n[hub]\nurl = "{url}"\ntoken = "{token}"\n'
                      f'ca_file = "{ca}"\n[paths]\ndata = "{tmp_path / "data"}"\n')
    journal = Journal(tmp_path / "data/kiosk.sqlite3", SystemClock())
    uuids = [journal.append("test.event", {"i": i}) for i in range(20)]
    uuids[-1].result(timeout=30)
    sent = {r.uuid for r in journal.records()}
    journal.close()
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "sync", "now"],
                         capture_output=True, text=True, timeout=60, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "still waiting 0" in out.stdout
    assert sent <= set(stored_uuids(hub.data_dir, None))


def test_without_the_ca_file_the_kiosk_refuses_the_hub(hub, caddy):
    url, _ca = caddy
    token = hub.add_room("Room 4")
    with pytest.raises(HubUnreachable, match="has a certificate this kiosk does not trust: set \\[hub\\] ca_file"):
        HubClient(url, token).help_calls(wait=0)
    assert HubClient(url, token, ca_file=_ca).help_calls(wait=0) == []


def test_doctor_sees_trust_and_token_through_caddy(hub, caddy, tmp_path):
    url, ca = caddy
    token = hub.add_room("Room 5")
    assert probe(url, token, ca).outcome == "answered"
    untrusted = probe(url, token, None)
    assert untrusted.outcome == "untrusted" and "CERTIFICATE_VERIFY_FAILED" in untrusted.detail
    assert probe(url, "not-a-token", ca).outcome == "refused_token"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'room = "Room 5"\npin = "4826"\n[hub]\nurl = "{url}"\ntoken = "{token}"\n')
    out = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "doctor", "--json"],
                         capture_output=True, text=True, timeout=60, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    checks = {c["check"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["hub-tls"]["status"] == "problem" and "ca_file" in checks["hub-tls"]["fix"]


def test_staff_log_in_over_https_with_a_secure_cookie(hub, caddy):
    import requests

    url, ca = caddy
    hub.set_password("staff", "correct horse battery")
    session = requests.Session()
    page = session.get(url + "/login", timeout=10, verify=str(ca))
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    form = {"user": "staff", "password": "correct horse battery", **({"csrf_token": csrf.group(1)} if csrf else {})}
    answer = session.post(url + "/login", data=form, headers={"Origin": url}, timeout=10, verify=str(ca),
                          allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:300]
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_running_kiosk_delivers_a_help_call_through_caddy_trusting_its_ca(hub, caddy, tmp_path):
    """The background path (the help sender, the uploader, the help watch), not only `kiosk sync now`."""
    from kiosk.config import Config, HubConfig, PathsConfig
    from kiosk.session.help import HelpState
    from kiosk.station import Station

    url, ca = caddy
    token = hub.add_room("Room 7")
    station = Station(Config(room="Room 7", hub=HubConfig(url=url, token=token, sync_seconds=1, ca_file=ca),
                             paths=PathsConfig(data=tmp_path / "data")))
    station.start()
    try:
        call = station.room.raise_help("button")
        deadline = time.monotonic() + 30
        while station.room.help.calls[call].state is not HelpState.DELIVERED:
            assert time.monotonic() < deadline, f"not delivered through caddy: {station.room.health.sync_error}"
            time.sleep(0.05)
    finally:
        station.stop()
