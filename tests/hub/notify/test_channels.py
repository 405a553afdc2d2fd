"""alerts.toml: channels and settings read strictly, every mistake named with what is allowed."""

from __future__ import annotations

import pytest

from kiosk.hub.notify.channels import AlertsConfigError, AlertSettings, describe, load_alerts, missing_secrets, parse_alerts

EXAMPLE = '''
[alerts]
escalate_after_seconds = 90
sound_every_seconds = 10

[[channel]]
name = "office phones"
type = "ntfy"
url = "https://ntfy.sh/room-kiosk-3f9a1c"
priority = "high"

[[channel]]
name = "school system"
type = "webhook"
url = "https://alerts.example.org/room-kiosk"
secret_env = "KIOSK_ALERT_SECRET"
rooms = ["Room 3", "Studio"]

[[channel]]
name = "deputy head"
type = "email"
host = "smtp.example.org"
from = "hub@school.example.org"
to = "deputy@school.example.org"
username_env = "KIOSK_SMTP_USER"
password_env = "KIOSK_SMTP_PASSWORD"
escalation = true
'''


def test_the_example_reads_as_written():
    settings = parse_alerts(EXAMPLE)
    assert settings.escalate_after_seconds == 90 and settings.kiosk_heartbeat_seconds == 30
    ntfy, hook, mail = settings.channels
    assert (ntfy.kind, ntfy.rooms, ntfy.escalation) == ("ntfy", (), False)
    assert hook.covers("Studio") and not hook.covers("Room 1") and ntfy.covers("Room 1")
    assert (mail.to, mail.port, mail.starttls, mail.escalation) == (("deputy@school.example.org",), 587, True, True)
    assert describe(settings)[1] == ("school system: webhook to https://alerts.example.org/room-kiosk · "
                                     "Room 3, Studio")
    assert missing_secrets(settings, {"KIOSK_SMTP_USER": "u"}) == [
        "channel 'school system': the environment variable KIOSK_ALERT_SECRET is not set",
        "channel 'deputy head': the environment variable KIOSK_SMTP_PASSWORD is not set"]


def test_no_file_means_no_channels(tmp_path):
    assert load_alerts(tmp_path) == AlertSettings()


@pytest.mark.parametrize("text, expected", [
    ('[alerts]\nescalate_after = 60\n', "[alerts] unknown key 'escalate_after' (did you mean 'escalate_after_seconds'?)"),
    ('[alerts]\nsound_every_seconds = 0.5\n', "sound_every_seconds = 0.5: must be a number of seconds from 2 to 600"),
    ('[[channel]]\nname = "x"\ntype = "sms"\n', "type = 'sms': must be one of webhook, ntfy, email"),
    ('[[channel]]\nname = "x"\ntype = "webhook"\nurl = "https://a.example"\n', "a webhook needs secret_env"),
    ('[[channel]]\nname = "x"\ntype = "webhook"\nurl = "https://a.example"\nsecret = "abc"\nsecret_env = "S"\n',
     "unknown key 'secret' for a webhook channel (did you mean 'secret_env'?)"),
    ('[[channel]]\nname = "x"\ntype = "ntfy"\nurl = "ntfy.sh/topic"\n', "must be an http:// or https:// address"),
    ('[[channel]]\nname = "x"\ntype = "ntfy"\nurl = "https://ntfy.sh/t"\npriority = "loud"\n', "priority = 'loud'"),
    ('[[channel]]\nname = "x"\ntype = "email"\nhost = "h"\nfrom = "a@b"\nto = []\n', "to = []: one or more addresses"),
    ('[[channel]]\nname = "x"\ntype = "email"\nhost = "h"\nfrom = "a@b"\nto = "c@d"\nusername_env = "U"\n',
     "give both username_env and password_env"),
    ('[[channel]]\nname = "x"\ntype = "ntfy"\nurl = "https://ntfy.sh/a"\n[[channel]]\nname = "x"\ntype = "ntfy"\n'
     'url = "https://ntfy.sh/b"\n', "the name 'x' is used twice"),
    ('[[channel]]\nname = "x"\ntype = "ntfy"\nurl = "https://ntfy.sh/a"\ntoken_env = "tk_abc def"\n',
     "the secret itself never goes in this file"),
    ('channel = 3\n', "channel must be written [[channel]]"),
    ('[alerts\n', "not valid TOML"),
])
def test_mistakes_are_named(text, expected, tmp_path):
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    with pytest.raises(AlertsConfigError) as caught:
        load_alerts(tmp_path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_the_hub_refuses_to_start_with_a_mistake_in_alerts_toml(tmp_path):
    import subprocess
    import sys

    from tests.hub.hubproc import REPO, _env

    (tmp_path / "alerts.toml").write_text('[[channel]]\nname = "x"\ntype = "webhook"\nurl = "https://a.example"\n')
    done = subprocess.run([sys.executable, "-m", "kiosk", "hub", "serve", "--data", str(tmp_path), "--port", "0"],
                          cwd=REPO, env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "alerts.toml" in done.stderr and "a webhook needs secret_env" in done.stderr


def test_check_alerts_reads_the_file_as_the_hub_will(tmp_path):
    import subprocess
    import sys

    from tests.hub.hubproc import REPO, _env

    (tmp_path / "alerts.toml").write_text(EXAMPLE)
    env = {**_env(), "KIOSK_SMTP_USER": "u", "KIOSK_SMTP_PASSWORD": "p"}
    env.pop("KIOSK_ALERT_SECRET", None)
    done = subprocess.run([sys.executable, "-m", "kiosk", "hub", "check-alerts", "--data", str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "office phones: ntfy to https://ntfy.sh/room-kiosk-3f9a1c · every room" in done.stdout
    assert "escalate after 90 s" in done.stdout
    assert "KIOSK_ALERT_SECRET is not set" in done.stderr
    env["KIOSK_ALERT_SECRET"] = "k"
    assert subprocess.run([sys.executable, "-m", "kiosk", "hub", "check-alerts", "--data", str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60).returncode == 0


def test_alerts_take_a_language_for_all_channels_and_each_may_say_its_own():
    settings = parse_alerts('[alerts]\nlanguage = "cy"\n'
                            '[[channel]]\nname = "a"\ntype = "ntfy"\nurl = "https://ntfy.sh/x"\n'
                            '[[channel]]\nname = "b"\ntype = "ntfy"\nurl = "https://ntfy.sh/y"\nlanguage = "de"\n')
    assert [c.language for c in settings.channels] == ["cy", "de"]
    assert parse_alerts('[[channel]]\nname = "a"\ntype = "ntfy"\nurl = "https://ntfy.sh/x"\n').channels[0].language == "en"
    with pytest.raises(AlertsConfigError) as err:
        parse_alerts('[[channel]]\nname = "a"\ntype = "ntfy"\nurl = "https://ntfy.sh/x"\nlanguage = "fr"\n')
    assert "language = 'fr'" in str(err.value) and '"cy" (Cymraeg)' in str(err.value)
    with pytest.raises(AlertsConfigError, match=r"\[alerts\] language = 'xx'"):
        parse_alerts('[alerts]\nlanguage = "xx"\n')
