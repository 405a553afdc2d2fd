"""The architecture's rules, checked."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kiosk"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_outside_ui_imports_kivy():
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if "ui" not in p.relative_to(PACKAGE).parts[:1]
                 and any(m == "kivy" or m.startswith("kivy.") for m in imported_modules(p))]
    assert offenders == []


def test_the_domain_core_does_no_io():
    forbidden = {"peewee", "serial", "requests", "flask", "waitress", "socket", "sqlite3", "subprocess",
                 "threading", "os", "kiosk.store", "kiosk.ui"}
    offenders = {}
    for path in (PACKAGE / "session").glob("*.py"):
        bad = {m for m in imported_modules(path) if m in forbidden or m.split(".")[0] in forbidden - {"kiosk"}}
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_everything_but_the_ui_imports_with_kivy_absent():
    script = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['kivy'] = None\n"
        "import kiosk\n"
        "skip = ('kiosk.ui', 'kiosk.launch')\n"
        "names = [m.name for m in pkgutil.walk_packages(kiosk.__path__, 'kiosk.')\n"
        "         if not m.name.startswith(skip) and m.name != 'kiosk.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 10


def test_modules_stay_small():
    big = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text().splitlines())) >= 400}
    assert big == {}
