"""Each doctor check against a fake Pi: the healthy case, and each way it goes wrong, with its fix."""

from __future__ import annotations

from dataclasses import replace

from kiosk.config import DisplayConfig
from kiosk.doctor import checks
from kiosk.doctor.examination import examine
from kiosk.doctor.findings import NOTE, OK, PROBLEM, exit_code
from tests.doctor.conftest import FakePi


def statuses(findings) -> list[str]:
    return [f.status for f in findings]


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


def test_a_healthy_kiosk_has_no_problem_and_exits_zero(pi: FakePi):
    findings = examine(pi.healthy().config(), pi.host())
    assert [f for f in findings if f.status == PROBLEM] == []
    assert exit_code(findings) == 0
    assert {f.check for f in findings} >= {"config", "kiosk user", "display", "touch", "audio", "button", "data",
                                           "journal", "clock", "hub", "watchdog", "avahi"}


# --- display and touch ----------------------------------------------------------------------------------

def test_display_kms_names_the_connected_screen_and_gl(pi: FakePi):
    f = only(checks.check_display(pi.healthy().host()))
    assert f.status == OK and "KMS, no X server" in f.summary and "DSI-1 on card1" in f.summary
    assert "GL on the GPU" in f.summary and "HDMI" not in f.summary


def test_display_without_a_kms_device_says_how_to_enable_it(pi: FakePi):
    pi.healthy()
    for card in ("card1", "renderD128"):
        (pi.root / "dev/dri" / card).unlink()
    f = only(checks.check_display(pi.host()))
    assert f.status == PROBLEM and "dtoverlay=vc4-kms-v3d" in f.fix


def test_display_on_the_x_fallback_is_a_note(pi: FakePi):
    pi.healthy()
    for card in ("card1", "renderD128"):
        (pi.root / "dev/dri" / card).unlink()
    pi.write("dev/fb0")
    pi.write("etc/systemd/system/room-kiosk.service.d/x11.conf", "[Service]\n")
    assert only(checks.check_display(pi.host())).status == NOTE


def test_display_with_no_screen_connected_points_at_the_cable(pi: FakePi):
    pi.healthy().write("sys/class/drm/card1-DSI-1/status", "disconnected\n")
    f = only(checks.check_display(pi.host()))
    assert f.status == PROBLEM and "ribbon cable" in f.fix


def test_touch_finds_the_official_display_and_not_the_keyboard(pi: FakePi):
    f = only(checks.check_touch(pi.healthy().host()))
    assert f.status == OK and "raspberrypi-ts (/dev/input/event0)" in f.summary and "Keyboard" not in f.summary


def test_touch_missing_or_without_a_device_node(pi: FakePi):
    pi.healthy()
    (pi.root / "dev/input/event0").unlink()
    f = only(checks.check_touch(pi.host()))
    assert f.status == PROBLEM and "udevadm trigger" in f.fix
    pi.write("proc/bus/input/devices", "N: Name=\"Logitech USB Keyboard\"\nH: Handlers=kbd event1\nB: PROP=0\n")
    f = only(checks.check_touch(pi.host()))
    assert f.status == PROBLEM and "no touch screen" in f.summary


def test_the_kiosk_user_needs_its_groups_and_x_no_root_rights(pi: FakePi):
    pi.healthy().write("etc/group", "video:x:44:\nrender:x:105:kiosk\ninput:x:104:\ndialout:x:20:kiosk\n"
                                    "audio:x:29:kiosk\n")
    f = only(checks.check_kiosk_user(pi.host()))
    assert f.status == PROBLEM and "usermod -a -G video,input kiosk" in f.fix
    pi.healthy().write("etc/X11/Xwrapper.config", "allowed_users=anybody\nneeds_root_rights=yes\n")
    f = only(checks.check_kiosk_user(pi.host()))
    assert f.status == PROBLEM and "needs_root_rights" in f.fix
    (pi.root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert "no kiosk user" in only(checks.check_kiosk_user(pi.host())).summary


# --- audio ----------------------------------------------------------------------------------------------

def test_audio_lists_the_sound_cards(pi: FakePi):
    f = only(checks.check_audio(pi.healthy().host(), pi.config()))
    assert f.status == OK and "Headphones (bcm2835_headpho - bcm2835 Headphones)" in f.summary


def test_no_sound_card_is_a_problem_unless_the_profile_is_silent(pi: FakePi):
    pi.healthy().write("proc/asound/cards", "--- no soundcards ---\n")
    f = only(checks.check_audio(pi.host(), pi.config()))
    assert f.status == PROBLEM and "CRITICAL" in f.summary and 'profile = "silent"' in f.fix
    silent = pi.config(display=DisplayConfig(profile="silent"))
    assert only(checks.check_audio(pi.host(), silent)).status == NOTE
    (pi.root / "proc/asound/cards").unlink()            # no ALSA at all
    assert only(checks.check_audio(pi.host(), pi.config())).status == PROBLEM


# --- data folder on RAM, read-only, full; the journal -------------------------------------------------

def test_data_on_its_sd_card_is_fine(pi: FakePi):
    f = only(checks.check_data(pi.healthy().host(), pi.config()))
    assert f.status == OK and "ext4 at /" in f.summary and "8.0 GB free" in f.summary


def test_data_on_a_tmpfs_is_a_problem_that_says_why(pi: FakePi):
    pi.healthy().mounts("/ ext4 /dev/mmcblk0p2", "/var/lib tmpfs tmpfs")
    f = only(checks.check_data(pi.host(), pi.config()))
    assert f.status == PROBLEM and "tmpfs" in f.summary and "a power cut would lose every log" in f.summary


def test_data_on_raspberry_pi_os_overlay_is_a_problem(pi: FakePi):
    pi.healthy().mounts("/media/root-ro ext4 /dev/mmcblk0p2 ro,relatime",
                        "/media/root-rw tmpfs tmpfs-root",
                        "/ overlay overlayroot rw,relatime "
                        "rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay,workdir=/media/root-rw/overlay-workdir")
    f = only(checks.check_data(pi.host(), pi.config()))
    assert f.status == PROBLEM and "overlay" in f.summary and "tmpfs at /media/root-rw" in f.summary
    assert "Read-only root" in f.fix


def test_data_on_its_own_partition_under_the_overlay_is_fine(pi: FakePi):
    pi.healthy().mounts("/media/root-ro ext4 /dev/mmcblk0p2 ro,relatime",
                        "/media/root-rw tmpfs tmpfs-root",
                        "/ overlay overlayroot rw,relatime rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay",
                        "/var/lib/room-kiosk ext4 /dev/mmcblk0p3")
    f = only(checks.check_data(pi.host(), pi.config()))
    assert f.status == OK and "ext4 at /var/lib/room-kiosk" in f.summary


def test_data_read_only_or_nearly_full(pi: FakePi):
    pi.healthy().mounts("/ ext4 /dev/mmcblk0p2 ro,relatime")
    assert "read-only" in only(checks.check_data(pi.host(), pi.config())).summary
    pi.mounts("/ ext4 /dev/mmcblk0p2")
    pi.free = 50 * 1024 * 1024
    f = only(checks.check_data(pi.host(), pi.config()))
    assert f.status == PROBLEM and "only 50 MB free" in f.summary


def test_a_missing_data_folder(pi: FakePi):
    f = only(checks.check_data(pi.host(), pi.config()))
    assert f.status == PROBLEM and "install -d -o kiosk" in f.fix


def test_the_journal_intact_missing_and_damaged(pi: FakePi):
    from kiosk.clock import SystemClock
    from kiosk.store.journal import Journal

    pi.healthy()
    config = pi.config()
    assert only(checks.check_journal(config)).status == NOTE
    journal = Journal(config.paths.database, SystemClock())
    journal.close()
    f = only(checks.check_journal(config))
    assert f.status == OK and "intact" in f.summary
    raw = config.paths.database.read_bytes()
    config.paths.database.write_bytes(raw[:100] + b"\xff" * 4000 + raw[4100:])
    for sidecar in ("-wal", "-shm"):
        config.paths.database.with_name(config.paths.database.name + sidecar).unlink(missing_ok=True)
    f = only(checks.check_journal(config))
    assert f.status == PROBLEM and "copy the whole data folder somewhere safe" in f.fix


# --- clock, watchdog, avahi, config -----------------------------------------------------------------------

def test_clock_synchronised_or_not(pi: FakePi):
    pi.healthy()
    assert only(checks.check_clock(pi.host())).status == OK
    (pi.root / "run/systemd/timesync/synchronized").unlink()
    assert only(checks.check_clock(pi.host())).status == NOTE        # cannot tell
    pi.kernel_clock = False
    f = only(checks.check_clock(pi.host()))
    assert f.status == PROBLEM and "timedatectl" in f.fix
    pi.kernel_clock = True
    assert only(checks.check_clock(pi.host())).status == OK


def test_watchdog_from_the_installed_unit_and_its_dropins(pi: FakePi):
    pi.healthy()
    f = only(checks.check_watchdog(pi.host()))
    assert f.status == OK and "WatchdogSec=30" in f.summary
    pi.write("etc/systemd/system/room-kiosk.service.d/local.conf", "[Service]\nWatchdogSec=0\n")
    assert only(checks.check_watchdog(pi.host())).status == PROBLEM
    (pi.root / "etc/systemd/system/room-kiosk.service").unlink()
    assert "not installed" in only(checks.check_watchdog(pi.host())).summary


def test_avahi_running_announcing_and_named(pi: FakePi):
    pi.healthy()
    assert only(checks.check_avahi(pi.host())).summary == "announced as room-3.local"
    pi.write("proc/sys/kernel/hostname", "raspberrypi\n")
    (pi.root / "run/avahi-daemon/pid").unlink()
    found = checks.check_avahi(pi.host())
    assert statuses(found) == [PROBLEM, PROBLEM]
    assert "--hostname room-3" in found[1].fix and "enable --now avahi-daemon" in found[0].fix


def test_config_with_the_default_pin_or_room(pi: FakePi):
    from kiosk.config import Config

    findings = checks.check_config(Config(source=None))
    assert statuses(findings) == [PROBLEM, PROBLEM]
    assert "PIN is the default" in findings[0].summary
    assert only(checks.check_config(pi.config())).status == OK


def test_one_problem_makes_the_exit_code_non_zero(pi: FakePi):
    pi.healthy().write("proc/asound/cards", "--- no soundcards ---\n")
    findings = examine(pi.config(), pi.host())
    assert exit_code(findings) == 1
    assert [f.check for f in findings if f.status == PROBLEM] == ["audio"]


def test_silent_profile_change_does_not_hide_other_checks(pi: FakePi):
    config = replace(pi.healthy().config(), display=DisplayConfig(profile="still"))
    assert exit_code(examine(config, pi.host())) == 0


def test_service_state_from_systemd(pi: FakePi):
    from dataclasses import replace as with_

    def host(**state):
        return with_(pi.host(), unit_state=lambda unit: {"LoadState": "loaded", **state})

    assert only(checks.check_service(pi.host())).status == NOTE         # a tree: cannot ask
    assert only(checks.check_service(host(ActiveState="active", Result="success", NRestarts="0"))).status == OK
    f = only(checks.check_service(host(ActiveState="failed", Result="start-limit-hit", NRestarts="10")))
    assert f.status == PROBLEM and "reset-failed room-kiosk" in f.fix
    f = only(checks.check_service(host(ActiveState="active", Result="watchdog", NRestarts="1")))
    assert f.status == NOTE and "the screen froze" in f.summary
    f = only(checks.check_service(host(ActiveState="inactive", Result="success")))
    assert f.status == PROBLEM and "systemctl start room-kiosk" in f.fix


def test_the_unit_must_let_the_kiosk_write_its_data_folder(pi: FakePi):
    from kiosk.config import PathsConfig

    pi.healthy()
    assert only(checks.check_sandbox(pi.host(), pi.config())).status == OK     # the tree's /var/lib/room-kiosk
    elsewhere = pi.config(paths=PathsConfig(data=pi.root / "srv/kiosk-data"))
    f = only(checks.check_sandbox(pi.host(), elsewhere))
    assert f.status == PROBLEM and "ReadWritePaths=/srv/kiosk-data" in f.fix
    pi.write("etc/systemd/system/room-kiosk.service.d/data.conf", "[Service]\nReadWritePaths=/srv/kiosk-data\n")
    assert only(checks.check_sandbox(pi.host(), elsewhere)).status == OK
