#!/usr/bin/env bash
# Install room kiosk on Raspberry Pi OS (64-bit, Bookworm or newer), from a clone of this repository:
#   sudo deploy/install.sh [--hostname room-3]
# Safe to run again to upgrade: the config in /etc/room-kiosk and the data in /var/lib/room-kiosk are kept.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HOSTNAME_WANTED=""
while [ $# -gt 0 ]; do
  case "$1" in
    --hostname) HOSTNAME_WANTED="$2"; shift 2 ;;
    *) echo "unknown option: $1 (usage: sudo deploy/install.sh [--hostname room-3])" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run as root: sudo deploy/install.sh" >&2; exit 1; }

echo "== system packages"
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-dev xserver-xorg xinit \
  x11-xserver-utils libgl1-mesa-dri libegl1 libmtdev1 avahi-daemon

echo "== the kiosk user"
id kiosk >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin kiosk
usermod -a -G dialout,video,input,render,tty,audio kiosk
install -d -o kiosk -g kiosk -m 0750 /var/lib/room-kiosk
install -d -m 0755 /etc/room-kiosk
# let a system service start the X server
printf 'allowed_users=anybody\nneeds_root_rights=yes\n' > /etc/X11/Xwrapper.config

echo "== the program (in /opt/room-kiosk/venv)"
python3 -m venv /opt/room-kiosk/venv
/opt/room-kiosk/venv/bin/pip install --upgrade pip
/opt/room-kiosk/venv/bin/pip install "$REPO[ui]"

if [ ! -f /etc/room-kiosk/kiosk.toml ]; then
  install -m 0640 -g kiosk "$REPO/deploy/kiosk.toml.example" /etc/room-kiosk/kiosk.toml
  echo "   wrote /etc/room-kiosk/kiosk.toml: edit room, pin, plans, [button] and [hub]"
fi
sudo -u kiosk KIOSK_CONFIG=/etc/room-kiosk/kiosk.toml /opt/room-kiosk/venv/bin/kiosk check-config >/dev/null \
  || { echo "fix /etc/room-kiosk/kiosk.toml, then run this again" >&2; exit 1; }

echo "== the help button's stable name"
if [ -f "$REPO/deploy/button/78-kiosk-button.rules" ]; then
  install -m 0644 "$REPO/deploy/button/78-kiosk-button.rules" /etc/udev/rules.d/78-kiosk-button.rules
  udevadm control --reload-rules && udevadm trigger --subsystem-match=tty || true
fi

if [ -n "$HOSTNAME_WANTED" ]; then
  echo "== hostname $HOSTNAME_WANTED (reachable as $HOSTNAME_WANTED.local through avahi)"
  hostnamectl set-hostname "$HOSTNAME_WANTED"
fi

echo "== the service"
install -m 0644 "$REPO/deploy/room-kiosk.service" /etc/systemd/system/room-kiosk.service
systemctl daemon-reload
systemctl disable --now getty@tty7.service 2>/dev/null || true
systemctl enable room-kiosk.service
systemctl restart room-kiosk.service
echo "done: 'systemctl status room-kiosk' shows it; 'journalctl -u room-kiosk -f' follows its log"
