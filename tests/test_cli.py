"""The `kiosk` command, run as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.room import Room
from tests.help_story import a_whole_help_call
from kiosk.store.journal import Journal

ROOT = Path(__file__).resolve().parents[1]


def kiosk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "KIOSK_CONFIG": "", "XDG_CONFIG_HOME": "/nonexistent", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=full_env)


def test_help_lists_the_commands():
    out = kiosk("--help")
    assert out.returncode == 0
    for command in ("run", "check-config", "sessions"):
        assert command in out.stdout


def test_check_config_prints_the_effective_config(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('room = "Room 3"\npin = "9753"\n[[plans]]\nname = "School"\nholding_minutes = 25\n')
    out = kiosk("--config", str(cfg), "check-config")
    assert out.returncode == 0, out.stderr
    assert 'room = "Room 3"' in out.stdout and "holding_minutes = 25" in out.stdout
    assert f"ok: {cfg}" in out.stderr


def test_check_config_names_the_mistakes_and_fails(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[button]\nmode = "lien"\n')
    out = kiosk("--config", str(cfg), "check-config")
    assert out.returncode == 2
    assert f'{cfg}: line 2: [button] mode: "lien" is not allowed' in out.stderr
    assert "Traceback" not in out.stderr


def test_check_config_warns_about_the_default_pin(tmp_path):
    out = kiosk("check-config", "--data", str(tmp_path))
    assert out.returncode == 0
    assert "PIN is the default" in out.stderr


def test_sessions_lists_plan_phases_and_help_calls(tmp_path):
    clock = FakeClock()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    room = Room(Config(), journal, clock)
    room.begin()
    clock.advance(300)
    room.tick()
    room.raise_help("button")
    clock.advance(600)
    room.go_to_closing()
    clock.advance(300)
    room.tick()
    journal.close()
    out = kiosk("sessions", "--data", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "Session  [completed]" in out.stdout
    assert "Holding" in out.stdout and "planned 40.0 min, actual 10.0 min" in out.stdout
    assert "help call: raised" in out.stdout and "(help button)" in out.stdout


def test_sessions_on_a_fresh_kiosk(tmp_path):
    out = kiosk("sessions", "--data", str(tmp_path / "none"))
    assert out.returncode == 0 and "no sessions yet" in out.stdout


def test_an_unreadable_database_is_named_not_a_traceback(tmp_path):
    (tmp_path / "kiosk.sqlite3").write_bytes(b"this is not a database" * 200)
    out = kiosk("sessions", "--data", str(tmp_path))
    assert out.returncode == 2
    assert f"cannot open the kiosk's database {tmp_path / 'kiosk.sqlite3'}" in out.stderr
    assert "Traceback" not in out.stderr


def test_sessions_show_interruptions_and_clock_steps(tmp_path):
    clock = FakeClock()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    room = Room(Config(), journal, clock)
    room.begin()
    clock.advance(30)
    clock.wall += 600
    room.tick()
    room.alive()
    journal.close()
    clock.reboot(120)
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    Room(Config(), journal, clock)
    journal.close()
    out = kiosk("sessions", "--data", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "the wall clock jumped +600 s" in out.stdout
    assert "the kiosk stopped between" in out.stdout and "(off 1.8 min to 2.0 min)" in out.stdout


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`kiosk sessions | head -1`: the pipe closes before the kiosk has written; it ends quietly."""
    clock = FakeClock()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    Room(Config(), journal, clock).begin()
    journal.close()
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "KIOSK_CONFIG": "", "XDG_CONFIG_HOME": "/nonexistent"}
    try:
        done = subprocess.run([sys.executable, "-m", "kiosk", "sessions", "--data", str(tmp_path)], cwd=ROOT,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""


def test_make_run_without_a_display_says_so_without_a_make_error(tmp_path):
    make = shutil.which("make")
    assert make, "make is what the README's two commands use"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env.update(KIOSK_DRI_GLOB=str(tmp_path / "no-dri-card*"), KIOSK_CONFIG="", XDG_CONFIG_HOME="/nonexistent")
    venv = Path(sys.executable).parents[1]  # this test's own environment; -o: never set one up here
    done = subprocess.run([make, "--no-print-directory", "-o", f"{venv}/.installed-stamp", "run", f"VENV={venv}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no display found" in done.stderr and "Error" not in done.stdout + done.stderr


def test_sessions_say_what_happened_in_each_phase_and_to_each_call(tmp_path):
    clock = FakeClock()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    room = Room(Config(), journal, clock)
    room.begin()
    clock.advance(60)
    room.continue_to_holding()  # early, by a hold: not "held to begin"
    clock.advance(40 * 60 + 228)  # 3.8 minutes over its planned 40
    a_whole_help_call(room)
    room.go_to_closing()
    clock.advance(300)
    room.tick()
    journal.close()
    out = kiosk("sessions", "--data", str(tmp_path))
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()}
    assert "began: held to begin" in lines["Opening"] and "(4.0 min short)" in lines["Opening"]
    assert "began: held to continue early" in lines["Holding"] and "(3.8 min over)" in lines["Holding"]
    assert "began: held to close" in lines["Closing"] and "(as planned)" in lines["Closing"]
    story = lines["help"]
    assert "pressed again ×1" in story and "acknowledged" in story and "by Sam" in story and "resolved" in story


def test_sessions_speak_the_config_s_language_or_the_one_asked_for(tmp_path):
    clock = FakeClock()
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    Room(Config(), journal, clock).begin()
    journal.close()
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('language = "cy"\n')
    welsh = kiosk("--config", str(cfg), "sessions", "--data", str(tmp_path))
    assert welsh.returncode == 0, welsh.stderr
    assert "[heb orffen, yn: Agoriad]" in welsh.stdout and "dechreuodd: daliwyd i ddechrau" in welsh.stdout
    english = kiosk("--config", str(cfg), "sessions", "--data", str(tmp_path), "--language", "en")
    assert "[unfinished, in Opening]" in english.stdout
    german = kiosk("sessions", "--data", str(tmp_path / "none"), "--language", "de")
    assert german.stdout.startswith("noch keine Sitzungen:")
