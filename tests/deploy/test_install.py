"""deploy/install.sh run for real into a target tree: what it writes, that a second run changes
nothing, what it refuses, and that it is shellcheck-clean."""

from __future__ import annotations

import subprocess

from kiosk.config_parse import load_config
from tests.deploy.conftest import INSTALL, REPO, run_install, snapshot
from tests.needs import need_tool

ROOM_AND_PIN = ("--room", "Room 3", "--pin", "4826")


def test_shellcheck_finds_nothing_in_the_scripts():
    shellcheck = need_tool("shellcheck")
    out = subprocess.run([shellcheck, "--severity=style", str(INSTALL), str(REPO / "deploy/usb/usb-mount")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_second_run_changes_nothing_and_says_so(pi_root):
    first = run_install(pi_root, *ROOM_AND_PIN)
    assert "changed: wrote /etc/systemd/system/room-kiosk.service" in first.stdout
    assert "nothing to change" not in first.stdout
    before = snapshot(pi_root)
    second = run_install(pi_root)          # room and PIN now come from the config it wrote
    assert not [line for line in second.stdout.splitlines() if line.strip().startswith("changed:")], second.stdout
    assert "nothing to change: this kiosk is installed as this script would install it" in second.stdout
    assert snapshot(pi_root) == before


def test_it_writes_the_appliance_files_for_kms(pi_root):
    run_install(pi_root, *ROOM_AND_PIN)
    for path in ("etc/systemd/system/room-kiosk.service", "etc/udev/rules.d/78-kiosk-button.rules",
                 "etc/udev/rules.d/79-kiosk-usb.rules", "etc/avahi/services/room-kiosk.service",
                 "etc/polkit-1/rules.d/50-room-kiosk-hotspot.rules",
                 "opt/room-kiosk/bin/usb-mount"):
        assert (pi_root / path).is_file(), path
    assert (pi_root / "opt/room-kiosk/bin/usb-mount").stat().st_mode & 0o111
    assert not (pi_root / "etc/systemd/system/room-kiosk.service.d/x11.conf").exists()
    assert (pi_root / "var/lib/room-kiosk").is_dir() and (pi_root / "media/kiosk").is_dir()
    assert (pi_root / "etc/room-kiosk/kiosk.toml").stat().st_mode & 0o777 == 0o640
    assert "consoleblank=0" in (pi_root / "boot/firmware/cmdline.txt").read_text()
    config = load_config(pi_root / "etc/room-kiosk/kiosk.toml")
    assert (config.room, config.pin) == ("Room 3", "4826")
    assert str(config.paths.usb_mount_root) == "/media/kiosk"
    assert str(config.paths.data) == "/var/lib/room-kiosk"
    # only the one a technician must act on at the hub: no key to seal exports with until it is set
    assert [w for w in config.warnings() if not w.startswith("[export] recipient")] == []


def test_without_dev_dri_it_falls_back_to_x_and_back_to_kms_when_kms_appears(pi_root):
    (pi_root / "dev/dri/card0").unlink()
    out = run_install(pi_root, *ROOM_AND_PIN)
    assert "the display: x11" in out.stdout
    dropin = pi_root / "etc/systemd/system/room-kiosk.service.d/x11.conf"
    assert dropin.read_text() == (REPO / "deploy/room-kiosk-x11.conf").read_text()
    (pi_root / "dev/dri/card0").touch()
    out = run_install(pi_root)
    assert "changed: removed /etc/systemd/system/room-kiosk.service.d/x11.conf" in out.stdout
    assert not dropin.exists()


def test_it_refuses_the_default_pin_or_no_room_and_changes_nothing(pi_root):
    before = snapshot(pi_root)
    for args, words in (((), "the room has no name"), (("--room", "Room 3"), "PIN is unset"),
                        (("--room", "Room 3", "--pin", "2468"), "PIN is the default"),
                        (("--room", "Therapy room", "--pin", "4826"), "the room has no name"),
                        (("--room", "Room 3", "--pin", "12"), "--pin 12: use 4 to 8 digits")):
        out = run_install(pi_root, *args, check=False)
        assert out.returncode == 1, (args, out.stdout)
        assert "nothing was changed" in out.stderr and words in out.stderr, (args, out.stderr)
    assert snapshot(pi_root) == before


def test_a_room_name_with_quotes_survives_into_the_config(pi_root):
    run_install(pi_root, "--room", 'Room "Blue" \\ 2', "--pin", "4826")
    assert load_config(pi_root / "etc/room-kiosk/kiosk.toml").room == 'Room "Blue" \\ 2'


def test_a_rerun_keeps_the_technicians_edits_and_changes_only_what_it_is_given(pi_root):
    run_install(pi_root, *ROOM_AND_PIN)
    config = pi_root / "etc/room-kiosk/kiosk.toml"
    edited = config.read_text().replace('profile = "calm"', 'profile = "still"')
    config.write_text(edited)
    out = run_install(pi_root, "--pin", "97531")
    assert "changed: wrote /etc/room-kiosk/kiosk.toml" in out.stdout
    loaded = load_config(config)
    assert (loaded.room, loaded.pin, loaded.display.profile) == ("Room 3", "97531", "still")


def test_a_broken_config_stops_it_with_the_mistake_named(pi_root):
    run_install(pi_root, *ROOM_AND_PIN)
    config = pi_root / "etc/room-kiosk/kiosk.toml"
    config.write_text(config.read_text().replace('profile = "calm"', 'profil = "calm"'))
    out = run_install(pi_root, check=False)
    assert out.returncode == 1
    assert 'unknown key (did you mean "profile"?)' in out.stderr
    assert "fix /etc/room-kiosk/kiosk.toml" in out.stderr


def test_dry_run_says_what_it_would_change_and_changes_nothing(pi_root):
    before = snapshot(pi_root)
    out = run_install(pi_root, "--dry-run", *ROOM_AND_PIN)
    assert "would change: wrote /etc/systemd/system/room-kiosk.service" in out.stdout
    assert "would change: wrote /boot/firmware/cmdline.txt" in out.stdout
    assert snapshot(pi_root) == before


def test_the_program_is_installed_from_the_pinned_constraints(pi_root):
    out = subprocess.run(["bash", str(INSTALL), "--root", str(pi_root), "--dry-run", *ROOM_AND_PIN],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "left for the Pi: the program: python3 -m venv /opt/room-kiosk/venv; pip install --constraint " \
           "deploy/constraints.txt room-kiosk[ui]" in out.stdout
    assert '--constraint "$REPO/deploy/constraints.txt" "${REPO}[ui]"' in INSTALL.read_text()


def test_an_old_install_that_ran_x_as_root_is_put_right(pi_root):
    xwrapper = pi_root / "etc/X11/Xwrapper.config"
    xwrapper.parent.mkdir(parents=True)
    xwrapper.write_text("allowed_users=anybody\nneeds_root_rights=yes\n")
    out = run_install(pi_root, *ROOM_AND_PIN)
    assert "changed: wrote /etc/X11/Xwrapper.config" in out.stdout
    assert xwrapper.read_text() == "allowed_users=anybody\n"
    assert "needs_root_rights" not in INSTALL.read_text().replace("grep -q '^needs_root_rights=yes'", "") \
        .replace("grep -v '^needs_root_rights=yes'", "").replace("(no needs_root_rights)", "")


def test_without_root_and_without_dry_run_it_asks_for_root(tmp_path):
    import os
    if os.geteuid() == 0:
        return
    out = subprocess.run(["bash", str(INSTALL), *ROOM_AND_PIN], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 1 and "run as root" in out.stderr
