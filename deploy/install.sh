#!/usr/bin/env bash
# Install room kiosk on Raspberry Pi OS (64-bit, Bookworm or newer), from a clone of this repository:
#
#   sudo deploy/install.sh --room "Room 3" --pin 4826 [--hostname room-3]
#
# Safe to run again: every step checks first, says what it changed, and a second run changes
# nothing. The config in /etc/room-kiosk and the data in /var/lib/room-kiosk are kept.
#
#   deploy/install.sh --dry-run ...      says what it would change, changes nothing (no root needed)
#   deploy/install.sh --root DIR ...     installs the files into the tree DIR (an image being built,
#                                        or a test); packages, users and services are left for the Pi
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
ROOT=""
DRY_RUN=0
ROOM=""
PIN=""
HOSTNAME_WANTED=""
DISPLAY_MODE="auto"
INSTALL_PROGRAM=1
PYTHON="python3"

KIOSK_USER="kiosk"
PREFIX="/opt/room-kiosk"
DATA_DIR="/var/lib/room-kiosk"
USB_ROOT="/media/kiosk"
CONFIG="/etc/room-kiosk/kiosk.toml"
UNIT="/etc/systemd/system/room-kiosk.service"
X11_DROPIN="/etc/systemd/system/room-kiosk.service.d/x11.conf"
BUTTON_RULE="/etc/udev/rules.d/78-kiosk-button.rules"
USB_RULE="/etc/udev/rules.d/79-kiosk-usb.rules"
AVAHI_SERVICE="/etc/avahi/services/room-kiosk.service"
POLKIT_RULE="/etc/polkit-1/rules.d/50-room-kiosk-hotspot.rules"
DEFAULT_PIN="2468"
DEFAULT_ROOM="Therapy room"
GROUPS_WANTED="video render input dialout audio"
# What the Kivy wheel's SDL2 loads at run time (KMSDRM: gbm, drm, EGL, GLES; sound: ALSA), avahi, and fonts for the scripts a room may type (kiosk/ui/fonts.py).
# a|b: either will do (Debian 13 renamed some libraries with a t64 suffix).
PACKAGES="python3 python3-venv libgbm1 libdrm2 libegl1 libgles2 libgl1-mesa-dri libmtdev1 libasound2|libasound2t64 avahi-daemon fonts-noto-core fonts-dejavu-core"
X11_PACKAGES="xserver-xorg-core xserver-xorg-input-libinput xserver-xorg-video-fbdev xinit"

usage() {
  cat <<EOF
usage: sudo deploy/install.sh [options]
  --room NAME        the room's name as the kiosk shows it (required unless the config has one)
  --pin DIGITS       the facilitator PIN, 4 to 8 digits, not $DEFAULT_PIN (required unless the config has one)
  --hostname NAME    this kiosk's name on the network (NAME.local through avahi)
  --display MODE     auto (default: KMS where /dev/dri offers it, else X), kms or x11
  --root DIR         install the files into the tree DIR; packages, users and services are left for the Pi
  --dry-run          say what would change, change nothing
  --no-program       leave the Python program (the venv in $PREFIX/venv) as it is
  --python PATH      the Python (3.11+) that builds the venv and reads the config (default: python3)
EOF
}

die() { printf 'install.sh: %s\n' "$*" >&2; exit "${EXIT_CODE:-1}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --room) [ $# -ge 2 ] || { EXIT_CODE=2 die "--room needs a name"; }; ROOM="$2"; shift 2 ;;
    --pin) [ $# -ge 2 ] || { EXIT_CODE=2 die "--pin needs digits"; }; PIN="$2"; shift 2 ;;
    --hostname) [ $# -ge 2 ] || { EXIT_CODE=2 die "--hostname needs a name"; }; HOSTNAME_WANTED="$2"; shift 2 ;;
    --display) [ $# -ge 2 ] || { EXIT_CODE=2 die "--display needs auto, kms or x11"; }; DISPLAY_MODE="$2"; shift 2 ;;
    --root) [ $# -ge 2 ] || { EXIT_CODE=2 die "--root needs a folder"; }; ROOT="${2%/}"; shift 2 ;;
    --python) [ $# -ge 2 ] || { EXIT_CODE=2 die "--python needs a path"; }; PYTHON="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --no-program) INSTALL_PROGRAM=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; EXIT_CODE=2 die "unknown option: $1" ;;
  esac
done

case "$DISPLAY_MODE" in auto|kms|x11) ;; *) EXIT_CODE=2 die "--display $DISPLAY_MODE: use auto, kms or x11" ;; esac
if [ -n "$ROOT" ]; then
  [ -d "$ROOT" ] || EXIT_CODE=2 die "--root $ROOT: no such folder; create it first"
  ROOT="$(cd "$ROOT" && pwd)"
elif [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo deploy/install.sh ...), or try it with --dry-run or --root DIR"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  || die "$PYTHON is not Python 3.11 or newer: install python3 (Raspberry Pi OS Bookworm has 3.11)"

CHANGES=0
LEFT_FOR_PI=()
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

target() { printf '%s%s' "$ROOT" "$1"; }
step() { printf '== %s\n' "$*"; }
changed() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then printf '   would change: %s\n' "$*"; else printf '   changed: %s\n' "$*"; fi
}
unchanged() { printf '   unchanged: %s\n' "$*"; }
# A step that only a running Pi can take: skipped with --root, listed at the end.
on_pi_only() {
  if [ -n "$ROOT" ]; then LEFT_FOR_PI+=("$1"); printf '   left for the Pi: %s\n' "$1"; return 0; fi
  return 1
}
act() { [ "$DRY_RUN" = 1 ] || "$@"; }

# put_file SRC DEST MODE [GROUP]: install SRC as DEST unless DEST already has that content and mode.
put_file() {
  local src="$1" dest="$2" mode="$3" group="${4:-root}" path
  path="$(target "$dest")"
  if [ -f "$path" ] && cmp -s "$src" "$path" && [ "$(stat -c %a "$path")" = "${mode#0}" ] \
      && { [ -n "$ROOT" ] || [ "$(stat -c %G "$path")" = "$group" ]; }; then
    unchanged "$dest"
    return 0
  fi
  changed "wrote $dest"
  act install -d -m 0755 "$(dirname "$path")"
  act install -m "$mode" "$src" "$path"
  if [ -z "$ROOT" ]; then act chgrp "$group" "$path"; fi
}

# put_dir DIR MODE [OWNER]: a folder with this mode (and owner, outside --root).
put_dir() {
  local dir="$1" mode="$2" owner="${3:-root}" path
  path="$(target "$dir")"
  if [ -d "$path" ] && [ "$(stat -c %a "$path")" = "${mode#0}" ] \
      && { [ -n "$ROOT" ] || [ "$(stat -c %U:%G "$path")" = "$owner:$owner" ]; }; then
    unchanged "$dir/"
    return 0
  fi
  changed "folder $dir/ (mode $mode${ROOT:+, owner set on the Pi})"
  act install -d -m "$mode" "$path"
  if [ -z "$ROOT" ]; then act chown "$owner:$owner" "$path"; fi
}

remove_file() {
  local dest="$1" why="$2" path
  path="$(target "$dest")"
  [ -e "$path" ] || return 0
  changed "removed $dest ($why)"
  act rm -f "$path"
}

# toml_get FILE KEY: a top-level string of a TOML file, empty when absent; fails on invalid TOML.
toml_get() {
  "$PYTHON" - "$1" "$2" <<'EOF'
import sys, tomllib
try:
    with open(sys.argv[1], "rb") as f:
        value = tomllib.load(f).get(sys.argv[2], "")
except tomllib.TOMLDecodeError as exc:
    sys.exit(f"{sys.argv[1]}: not valid TOML: {exc}")
print(value if isinstance(value, str) else "")
EOF
}

# toml_set FILE KEY VALUE: set a top-level string key (replacing `key =` or `# key =` before the
# first table), or add it at the top.
toml_set() {
  local escaped
  escaped="$(printf '%s' "$3" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
  KEY="$2" LINE="$2 = \"$escaped\"" awk '
    BEGIN { key = ENVIRON["KEY"]; line = ENVIRON["LINE"]; done = 0; top = 1 }
    /^[ \t]*\[/ { if (!done) { print line; done = 1 } top = 0 }
    top && !done && ($0 ~ "^[ \t]*(#[ \t]*)?" key "[ \t]*=") { print line; done = 1; next }
    { print }
    END { if (!done) print line }
  ' "$1" > "$1.new" && mv "$1.new" "$1"
}

# --- what the kiosk is called and its PIN: decided before anything changes ----------------------

CONFIG_PATH="$(target "$CONFIG")"
HAVE_ROOM="" HAVE_PIN=""
if [ -f "$CONFIG_PATH" ]; then
  HAVE_ROOM="$(toml_get "$CONFIG_PATH" room)" || die "fix $CONFIG, then run this again"
  HAVE_PIN="$(toml_get "$CONFIG_PATH" pin)" || die "fix $CONFIG, then run this again"
fi
ROOM="${ROOM:-$HAVE_ROOM}"
PIN="${PIN:-$HAVE_PIN}"
if [ -t 0 ] && [ "$DRY_RUN" = 0 ]; then
  if [ -z "$ROOM" ] || [ "$ROOM" = "$DEFAULT_ROOM" ]; then read -r -p "The room's name, as the kiosk shows it: " ROOM; fi
  if [ -z "$PIN" ] || [ "$PIN" = "$DEFAULT_PIN" ]; then read -r -s -p "The facilitator PIN (4 to 8 digits): " PIN; echo; fi
fi
problems=()
if [ -z "$ROOM" ] || [ "$ROOM" = "$DEFAULT_ROOM" ]; then
  problems+=("the room has no name: give --room \"Room 3\" (the name the kiosk shows and the hub lists)")
elif [ "${#ROOM}" -gt 60 ] || printf '%s' "$ROOM" | grep -q '[[:cntrl:]]'; then
  problems+=("--room \"$ROOM\": use 1 to 60 characters on one line")
fi
if [ -z "$PIN" ] || [ "$PIN" = "$DEFAULT_PIN" ]; then
  problems+=("the facilitator PIN is ${PIN:+the default }${PIN:-unset}: give --pin with 4 to 8 digits other than $DEFAULT_PIN (anyone who read the manual knows the default)")
elif ! printf '%s' "$PIN" | grep -Eqx '[0-9]{4,8}'; then
  problems+=("--pin $PIN: use 4 to 8 digits, such as 4826")
fi
if [ "${#problems[@]}" -gt 0 ]; then
  printf 'install.sh: nothing was changed:\n' >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi

DISPLAY_WHY="chosen with --display"
if [ "$DISPLAY_MODE" = auto ]; then
  if compgen -G "$(target /dev/dri)/card*" >/dev/null; then
    DISPLAY_MODE=kms DISPLAY_WHY="/dev/dri offers KMS: no X server"
  else
    DISPLAY_MODE=x11 DISPLAY_WHY="/dev/dri offers no KMS device: a bare X server"
  fi
fi

[ "$DRY_RUN" = 1 ] && echo "dry run: nothing is changed${ROOT:+ in $ROOT}"
[ -n "$ROOT" ] && echo "installing into the tree $ROOT"

# --- system packages ----------------------------------------------------------------------------

step "system packages"
wanted="$PACKAGES"
[ "$DISPLAY_MODE" = x11 ] && wanted="$wanted $X11_PACKAGES"
if ! on_pi_only "apt-get install $wanted"; then
  missing=""
  for choice in $wanted; do
    installed=0 candidate=""
    for package in ${choice//|/ }; do
      if dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed; then installed=1; break; fi
      if [ -z "$candidate" ] && apt-cache show "$package" >/dev/null 2>&1; then candidate="$package"; fi
    done
    [ "$installed" = 1 ] || missing="$missing ${candidate:-${choice%%|*}}"
  done
  if [ -n "$missing" ]; then
    changed "installed$missing"
    # shellcheck disable=SC2086  # a list of package names
    act apt-get update -q && act apt-get install -y -q --no-install-recommends $missing
  else
    unchanged "all of: $wanted"
  fi
fi

# --- the kiosk user -----------------------------------------------------------------------------

step "the $KIOSK_USER user (groups: $GROUPS_WANTED; no root rights)"
if ! on_pi_only "user $KIOSK_USER in the groups $GROUPS_WANTED"; then
  if id "$KIOSK_USER" >/dev/null 2>&1; then
    unchanged "user $KIOSK_USER"
  else
    changed "created the system user $KIOSK_USER (home $DATA_DIR)"
    act useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$KIOSK_USER"
  fi
  for group in $GROUPS_WANTED; do
    getent group "$group" >/dev/null || { printf '   skipped: no group %s on this system\n' "$group"; continue; }
    if id -nG "$KIOSK_USER" 2>/dev/null | tr ' ' '\n' | grep -qx "$group"; then
      unchanged "$KIOSK_USER in $group"
    else
      changed "added $KIOSK_USER to $group"
      act usermod -a -G "$group" "$KIOSK_USER"
    fi
  done
fi

# --- folders, config ----------------------------------------------------------------------------

step "folders"
put_dir "$DATA_DIR" 0750 "$KIOSK_USER"
put_dir "/etc/room-kiosk" 0755 root
put_dir "$USB_ROOT" 0755 root

step "the config $CONFIG"
if [ -f "$CONFIG_PATH" ]; then
  cp "$CONFIG_PATH" "$WORK/kiosk.toml"
else
  sed -e "s|^usb_mount_root = .*|usb_mount_root = \"$USB_ROOT\"|" -e "s|^data = .*|data = \"$DATA_DIR\"|" \
    "$REPO/deploy/kiosk.toml.example" > "$WORK/kiosk.toml"
fi
[ "$ROOM" = "$HAVE_ROOM" ] || toml_set "$WORK/kiosk.toml" room "$ROOM"
[ "$PIN" = "$HAVE_PIN" ] || toml_set "$WORK/kiosk.toml" pin "$PIN"
PYTHONPATH="$REPO" "$PYTHON" -c '
import sys
from kiosk.config import ConfigError
from kiosk.config_parse import load_config
try:
    load_config(sys.argv[1])
except ConfigError as exc:
    sys.exit(str(exc).replace(sys.argv[1], sys.argv[2]))' "$WORK/kiosk.toml" "$CONFIG" \
  2>"$WORK/config-error" \
  || { sed 's/^/   /' "$WORK/config-error" >&2; die "fix $CONFIG (kiosk check-config shows each mistake), then run this again"; }
put_file "$WORK/kiosk.toml" "$CONFIG" 0640 "$KIOSK_USER"

# --- the program --------------------------------------------------------------------------------

step "the program in $PREFIX/venv (versions pinned by deploy/constraints.txt)"
VENV="$(target "$PREFIX/venv")"
STAMP="$VENV/.room-kiosk-installed"
want_stamp="$(cat "$REPO/deploy/constraints.txt" "$REPO/pyproject.toml" | sha256sum | cut -d' ' -f1) $(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)"
PIP_INSTALL="pip install --constraint deploy/constraints.txt room-kiosk[ui]"
if [ "$INSTALL_PROGRAM" = 0 ]; then
  unchanged "--no-program: the venv is left as it is"
elif on_pi_only "the program: $PYTHON -m venv $PREFIX/venv; $PIP_INSTALL (a venv works only where it was made)"; then
  :
elif [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
  unchanged "$PREFIX/venv (this commit, these pins)"
else
  changed "the program in $PREFIX/venv: $PIP_INSTALL"
  act "$PYTHON" -m venv "$VENV"
  act "$VENV/bin/python" -m pip install --quiet --upgrade pip
  act "$VENV/bin/python" -m pip install --quiet --constraint "$REPO/deploy/constraints.txt" "${REPO}[ui]"
  [ "$DRY_RUN" = 1 ] || printf '%s\n' "$want_stamp" > "$STAMP"
fi
put_file "$REPO/deploy/usb/usb-mount" "$PREFIX/bin/usb-mount" 0755 root

# --- the display --------------------------------------------------------------------------------

step "the display: $DISPLAY_MODE ($DISPLAY_WHY); screen blanking off"
if [ "$DISPLAY_MODE" = x11 ]; then
  put_file "$REPO/deploy/room-kiosk-x11.conf" "$X11_DROPIN" 0644 root
else
  remove_file "$X11_DROPIN" "KMS needs no X server"
fi
XWRAPPER="$(target /etc/X11/Xwrapper.config)"
if [ -f "$XWRAPPER" ] && grep -q '^needs_root_rights=yes' "$XWRAPPER"; then
  grep -v '^needs_root_rights=yes' "$XWRAPPER" > "$WORK/Xwrapper.config" || true
  put_file "$WORK/Xwrapper.config" /etc/X11/Xwrapper.config 0644 root
else
  unchanged "/etc/X11/Xwrapper.config (no needs_root_rights)"
fi
CMDLINE=""
for candidate in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
  if [ -f "$(target "$candidate")" ]; then CMDLINE="$candidate"; break; fi
done
if [ -z "$CMDLINE" ]; then
  unchanged "no /boot/firmware/cmdline.txt here: console blanking left as it is"
elif grep -q 'consoleblank=0' "$(target "$CMDLINE")"; then
  unchanged "$CMDLINE (consoleblank=0)"
else
  sed -e '1s/[[:space:]]*$/ consoleblank=0/' "$(target "$CMDLINE")" > "$WORK/cmdline.txt"
  put_file "$WORK/cmdline.txt" "$CMDLINE" "$(stat -c %a "$(target "$CMDLINE")")" root
fi

# --- udev: the button, USB sticks; avahi ----------------------------------------------------------

step "the help button's stable name (/dev/kiosk-button) and USB sticks under $USB_ROOT"
rules_before=$CHANGES
put_file "$REPO/deploy/button/78-kiosk-button.rules" "$BUTTON_RULE" 0644 root
put_file "$REPO/deploy/usb/79-kiosk-usb.rules" "$USB_RULE" 0644 root
if [ "$CHANGES" != "$rules_before" ] && ! on_pi_only "udevadm control --reload; udevadm trigger"; then
  act udevadm control --reload-rules
  act udevadm trigger --subsystem-match=tty --subsystem-match=block --action=add || true
fi

step "avahi: the kiosk's name on the network; NetworkManager lets the kiosk open its own hotspot"
put_file "$REPO/deploy/avahi/room-kiosk.service" "$AVAHI_SERVICE" 0644 root
put_file "$REPO/deploy/polkit/50-room-kiosk-hotspot.rules" "$POLKIT_RULE" 0644 root
if [ -n "$HOSTNAME_WANTED" ] && ! on_pi_only "hostnamectl set-hostname $HOSTNAME_WANTED"; then
  if [ "$(hostname)" = "$HOSTNAME_WANTED" ]; then
    unchanged "hostname $HOSTNAME_WANTED ($HOSTNAME_WANTED.local)"
  else
    changed "hostname $HOSTNAME_WANTED (reachable as $HOSTNAME_WANTED.local)"
    act hostnamectl set-hostname "$HOSTNAME_WANTED"
  fi
fi

# --- the service --------------------------------------------------------------------------------

step "the service room-kiosk.service"
put_file "$REPO/deploy/room-kiosk.service" "$UNIT" 0644 root
if ! on_pi_only "systemctl daemon-reload; systemctl enable room-kiosk; systemctl restart room-kiosk"; then
  if systemctl is-enabled --quiet room-kiosk.service 2>/dev/null; then
    unchanged "room-kiosk.service enabled"
  else
    changed "enabled room-kiosk.service (starts at boot)"
  fi
  if [ "$CHANGES" -gt 0 ]; then
    act systemctl daemon-reload
    act systemctl enable room-kiosk.service
    act systemctl disable getty@tty1.service 2>/dev/null || true
    printf '   %s room-kiosk.service\n' "$([ "$DRY_RUN" = 1 ] && echo "would restart" || echo "restarted")"
    act systemctl restart room-kiosk.service
  fi
fi

# --- done ---------------------------------------------------------------------------------------

echo
if [ "$CHANGES" = 0 ]; then
  echo "nothing to change: this kiosk is installed as this script would install it"
elif [ "$DRY_RUN" = 1 ]; then
  echo "dry run: $CHANGES change(s) would be made; run again without --dry-run to make them"
else
  echo "done: $CHANGES change(s)"
fi
if [ "${#LEFT_FOR_PI[@]}" -gt 0 ]; then
  echo "left for the Pi (run this script there without --root):"
  printf '  - %s\n' "${LEFT_FOR_PI[@]}"
fi
if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ]; then
  echo "check it: sudo -u $KIOSK_USER $PREFIX/venv/bin/kiosk doctor ; journalctl -u room-kiosk -f"
fi
