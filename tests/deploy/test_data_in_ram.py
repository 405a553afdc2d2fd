"""`kiosk run` refuses to run sessions on a data folder in RAM, says why, and runs when told to."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from kiosk import cli
from kiosk.config import Config, PathsConfig
from kiosk.config_parse import parse_config
from kiosk.doctor.mounts import read_mounts, real_path
from kiosk.launch import data_in_ram_refusal
from tests.deploy.conftest import REPO
from tests.needs import need


def mountinfo(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "mountinfo"
    path.write_text("".join(f"{n} 1 0:{n} / {line}\n" for n, line in enumerate(lines, start=20)))
    return path


def test_a_tmpfs_data_folder_is_refused_with_the_reason_and_the_way_out(tmp_path):
    data = real_path(tmp_path / "data")
    table = mountinfo(tmp_path, "/ rw - ext4 /dev/mmcblk0p2 rw", f"{data} rw - tmpfs tmpfs rw")
    message = data_in_ram_refusal(Config(paths=PathsConfig(data=data)), table)
    assert message.startswith(f"not running sessions: the data folder {data} is on a tmpfs")
    assert "a power cut would lose every session log" in message
    assert "allow_data_in_ram = true" in message and "--allow-data-in-ram" in message


def test_the_raspberry_pi_overlay_is_refused_and_its_own_partition_is_not(tmp_path):
    overlay = ("/ rw - overlay overlayroot rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay",)
    table = mountinfo(tmp_path, "/media/root-rw rw - tmpfs tmpfs-root rw", *overlay)
    config = Config(paths=PathsConfig(data=Path("/var/lib/room-kiosk")))
    assert "overlay file system" in data_in_ram_refusal(config, table)
    table = mountinfo(tmp_path, "/media/root-rw rw - tmpfs tmpfs-root rw", *overlay,
                      "/var/lib/room-kiosk rw - ext4 /dev/mmcblk0p3 rw")
    assert data_in_ram_refusal(config, table) is None


def test_told_to_it_runs_anyway(tmp_path):
    data = real_path(tmp_path / "data")
    table = mountinfo(tmp_path, "/ rw - tmpfs tmpfs rw")
    allowed = Config(paths=PathsConfig(data=data, allow_data_in_ram=True))
    assert data_in_ram_refusal(allowed, table) is None
    config = parse_config('[paths]\nallow_data_in_ram = true\n')
    assert config.paths.allow_data_in_ram is True
    assert parse_config("").paths.allow_data_in_ram is False


def test_the_flag_reaches_run_kiosk(monkeypatch):
    seen = []
    monkeypatch.setattr("kiosk.launch.run_kiosk", lambda config, simulate_button: seen.append(config) or 0)
    assert cli.main(["run", "--allow-data-in-ram", "--data", "/tmp/x"]) == 0
    assert seen[0].paths.allow_data_in_ram is True
    assert cli.main(["run", "--data", "/tmp/x"]) == 0
    assert seen[1].paths.allow_data_in_ram is False


def test_kiosk_run_on_dev_shm_refuses_and_writes_no_journal(tmp_path):
    shm = next((m for m in read_mounts() if m.point == "/dev/shm"), None)
    need(shm is not None and shm.fstype == "tmpfs" and os.access("/dev/shm", os.W_OK),
         "/dev/shm is not a writable tmpfs here")
    data = Path("/dev/shm") / f"room-kiosk-test-{uuid.uuid4().hex}"
    try:
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
        env.update(SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", HOME=str(tmp_path))
        out = subprocess.run([sys.executable, "-m", "kiosk", "run", "--windowed", "--data", str(data)], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, out.stderr
        assert f"the data folder {data} is on a tmpfs at /dev/shm" in out.stderr
        assert not (data / "kiosk.sqlite3").exists()
    finally:
        if data.exists():
            for child in sorted(data.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            data.rmdir()
