"""Running deploy/install.sh into a target tree, as a test (and an image build) does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"


def run_install(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """install.sh --root ROOT --no-program ARGS, with this test run's Python reading the config."""
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    out = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--no-program", "--python", sys.executable,
                          *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
    if check and out.returncode != 0:
        raise AssertionError(f"install.sh failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under root: content, mode, mtime (ns), to see that nothing was touched."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (path.read_bytes() if path.is_file() else b"", st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def pi_root(tmp_path: Path) -> Path:
    """A target tree that looks like Raspberry Pi OS Lite with KMS: /dev/dri/card0 and the boot cmdline."""
    root = tmp_path / "pi"
    (root / "dev" / "dri").mkdir(parents=True)
    (root / "dev" / "dri" / "card0").touch()
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "cmdline.txt").write_text("console=tty1 root=PARTUUID=1234-02 rootwait\n")
    return root
