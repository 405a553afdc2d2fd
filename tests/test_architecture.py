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


CORE_FORBIDDEN = {"peewee", "serial", "requests", "flask", "waitress", "socket", "sqlite3", "subprocess",
                  "threading", "os", "ctypes", "pathlib", "io", "shutil", "tempfile", "time", "fcntl",
                  "kiosk.store", "kiosk.ui", "kiosk.clock", "kiosk.room", "kiosk.station", "kiosk.button",
                  "kiosk.sync", "kiosk.hub", "kiosk.export", "kiosk.doctor", "kiosk.launch"}


def forbidden_in_core(module: str) -> bool:
    """A module or any of its submodules: `from kiosk.store.journal import Journal` is kiosk.store too."""
    return any(module == f or module.startswith(f + ".") for f in CORE_FORBIDDEN)


def test_the_domain_core_does_no_io():
    offenders = {}
    for path in (PACKAGE / "session").rglob("*.py"):
        bad = {m for m in imported_modules(path) if forbidden_in_core(m)}
        calls = {n.func.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id in ("open", "print", "input", "exec", "eval")}
        if bad or calls:
            offenders[path.name] = bad | calls
    assert offenders == {}


def test_the_core_check_sees_submodules_and_the_clock():
    assert forbidden_in_core("kiosk.store.journal") and forbidden_in_core("kiosk.clock")
    assert forbidden_in_core("ctypes.util") and not forbidden_in_core("kiosk.session.plan")
    assert not forbidden_in_core("kiosk.storey")


def module_graph() -> dict[str, set[str]]:
    """kiosk's modules and the kiosk modules each imports, anywhere in the file (lazy imports too)."""
    def name(path: Path) -> str:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    paths = {name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        deps = set()
        for dep in imported_modules(path) | {f"{node.module}.{alias.name}"
                                              for node in ast.walk(ast.parse(path.read_text()))
                                              if isinstance(node, ast.ImportFrom) and node.module
                                              for alias in node.names}:
            while dep and dep not in paths:
                dep = dep.rpartition(".")[0]
            if dep and dep not in (module, "kiosk"):
                deps.add(dep)
        graph[module] = deps
    return graph


def test_no_import_cycles():
    graph = module_graph()
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for dep in graph[node]:
                if dep == start:
                    cycles.append(" -> ".join(path + [start]))
                elif dep not in seen:
                    seen.add(dep)
                    stack.append((dep, path + [dep]))
    assert cycles == []


def test_every_subcommand_is_registered_without_hiding_import_errors():
    source = (PACKAGE / "cli.py").read_text()
    assert "except ImportError" not in source
    out = subprocess.run([sys.executable, "-m", "kiosk", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    for command in ("run", "check-config", "sessions", "hub", "button", "sync", "doctor", "export"):
        assert command in out.stdout, command


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
