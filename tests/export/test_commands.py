"""`kiosk export`, `kiosk hub export-key`, `kiosk hub import` and check-config's [export], run as a technician would."""

from __future__ import annotations

import json
import stat
import subprocess

from kiosk.export.flow import EXPORT_DONE
from tests.export.conftest import journal_records
from tests.needs import need_tool
from tests.test_cli import kiosk


def _config_file(tmp_path, config, recipient: str = "") -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'room = "{config.room}"\ntimezone = "Europe/London"\n[paths]\ndata = "{config.paths.data}"\n'
                    f'[export]\nrecipient = "{recipient}"\n')
    return str(path)


def test_the_whole_way_by_command_line_export_key_sealed_export_age_and_import(config, tmp_path):
    hub_data = tmp_path / "hub-data"
    env = {"KIOSK_HUB_DATA": str(hub_data)}
    key = kiosk("hub", "export-key", env=env)
    assert key.returncode == 0, key.stderr
    recipient = key.stdout.strip()
    assert recipient.startswith("age1") and "created" in key.stderr
    identity = hub_data / "export-identity.txt"
    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    assert kiosk("hub", "export-key", env=env).stdout.strip() == recipient  # kept, not replaced
    cfg = _config_file(tmp_path, config, recipient)
    assert kiosk("--config", cfg, "check-config").returncode == 0
    out = kiosk("--config", cfg, "export", "--to", str(tmp_path / "stick"))
    assert out.returncode == 0, out.stderr
    sealed = out.stdout.strip()
    assert sealed.endswith(".age") and "Safe to remove" in out.stderr and "not sealed" not in out.stderr
    assert journal_records(config)[-1].kind == EXPORT_DONE
    listing = subprocess.run(f"{need_tool('age')} -d -i {identity} {sealed} | tar -t", shell=True,
                             capture_output=True, text=True, check=True).stdout.split()
    assert sorted(n.split("/")[1] for n in listing) == ["events.csv", "events.jsonl", "manifest.json",
                                                         "sessions.csv"]
    refused = kiosk("hub", "import", sealed, env=env)
    assert refused.returncode == 1 and 'kiosk hub add-room "Willow room"' in refused.stdout
    assert kiosk("hub", "add-room", "Willow room", env=env).returncode == 0
    first = kiosk("hub", "import", sealed, env=env)
    second = kiosk("hub", "import", sealed, env=env)
    assert first.returncode == 0 and " 0 already there" in first.stdout
    assert second.returncode == 0 and " 0 stored," in second.stdout


def test_a_plain_export_by_command_line_warns_it_is_not_sealed(config, tmp_path):
    out = kiosk("--config", _config_file(tmp_path, config), "export", "--to", str(tmp_path / "stick"),
                "--since", "2026-05-28")
    assert out.returncode == 0, out.stderr
    assert "not sealed: anyone with this stick can read it" in out.stderr


def test_bad_export_arguments_and_config_are_named(config, tmp_path):
    bad_day = kiosk("export", "--to", str(tmp_path), "--since", "28.05.2026")
    assert bad_day.returncode == 2 and "'28.05.2026' is not a date like 2026-11-25" in bad_day.stderr
    nowhere = kiosk("--config", _config_file(tmp_path, config), "export", "--to", str(tmp_path / "a" / "b"))
    assert nowhere.returncode == 1 and "no stick or folder at" in nowhere.stderr
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[export]\nrecipient = "age1notakey"\nrecipent = "x"\n')
    out = kiosk("--config", str(cfg), "check-config")
    assert out.returncode == 2
    assert 'line 2: [export] recipient: "age1notakey" is not allowed' in out.stderr
    assert 'line 3: [export] recipent: unknown key (did you mean "recipient"?)' in out.stderr
    assert "USB exports are not sealed" in kiosk("check-config").stderr


def test_beside_a_running_kiosk_the_command_notes_its_export_without_taking_the_kiosks_next_seq(config, clock,
                                                                                               tmp_path):
    from kiosk.room import ALIVE_META
    from kiosk.store.journal import Journal

    running = Journal(config.paths.database, clock)  # the kiosk, alive just now
    try:
        clock.wall = __import__("time").time()
        running.set_meta(ALIVE_META, repr(clock.wall)).result(5)
        before = running.last_seq()
        out = kiosk("--config", _config_file(tmp_path, config), "export", "--to", str(tmp_path / "stick"))
        assert out.returncode == 0, out.stderr
        assert "the kiosk is running on this journal" in out.stderr
        assert running.append("cue.fired", {"at": clock.wall}).result(5).seq == before + 1  # nothing lost
        noted = json.loads(running.get_meta("export.last"))
        assert noted["kind"] == EXPORT_DONE and noted["events"] == before
    finally:
        running.close()
