"""Reading the mount table, and telling a data folder in RAM from one on a disk."""

from __future__ import annotations

from kiosk.doctor.mounts import mount_of, parse_mountinfo, ram_reason

PI_OVERLAY = """\
25 1 179:2 / /media/root-ro ro,relatime shared:1 - ext4 /dev/mmcblk0p2 ro
26 1 0:22 / /media/root-rw rw,relatime shared:2 - tmpfs tmpfs-root rw
27 1 0:23 / / rw,relatime shared:3 - overlay overlayroot rw,lowerdir=/media/root-ro,upperdir=/media/root-rw/overlay,workdir=/media/root-rw/overlay-workdir
28 27 179:1 / /boot/firmware rw,relatime shared:4 - vfat /dev/mmcblk0p1 rw
29 27 179:3 / /srv/kiosk\\040data rw,noatime shared:5 - ext4 /dev/mmcblk0p3 rw
30 27 254:0 / /var/log rw shared:6 - ext4 /dev/zram1 rw
"""


def test_parse_unescapes_mount_points_and_keeps_overlay_layers():
    mounts = parse_mountinfo(PI_OVERLAY)
    assert [m.point for m in mounts] == ["/media/root-ro", "/media/root-rw", "/", "/boot/firmware",
                                         "/srv/kiosk data", "/var/log"]
    assert mounts[0].read_only and not mounts[2].read_only
    assert mounts[2].option("upperdir") == "/media/root-rw/overlay"


def test_the_longest_mount_point_holds_the_path():
    mounts = parse_mountinfo(PI_OVERLAY)
    assert mount_of("/srv/kiosk data/kiosk.sqlite3", mounts).source == "/dev/mmcblk0p3"
    assert mount_of("/srv/kiosk datax", mounts).fstype == "overlay"
    assert mount_of("/boot/firmware", mounts).fstype == "vfat"


def test_ram_reasons():
    mounts = parse_mountinfo(PI_OVERLAY)
    assert "overlay" in ram_reason("/var/lib/room-kiosk", mounts)
    assert ram_reason("/srv/kiosk data", mounts) is None
    assert "compressed RAM disk" in ram_reason("/var/log/kiosk", mounts)
    assert ram_reason("/media/root-rw/x", mounts).startswith("/media/root-rw/x is on a tmpfs")
    plain = parse_mountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:5 / /tmp rw - tmpfs tmpfs rw\n")
    assert ram_reason("/var/lib/room-kiosk", plain) is None
    assert "tmpfs" in ram_reason("/tmp/data", plain)


def test_an_overlay_whose_upper_layer_is_on_disk_is_persistent():
    mounts = parse_mountinfo("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
                             "2 1 0:50 / /merged rw - overlay overlay rw,lowerdir=/l,upperdir=/var/up,workdir=/var/w\n")
    assert ram_reason("/merged/data", mounts) is None
