import subprocess
import sys

from tests.hub.hubproc import REPO


def test_the_hub_imports_without_kivy_or_the_ui():
    code = ("import sys; sys.modules['kivy'] = None\n"
            "import kiosk.hub.app, kiosk.hub.cli, kiosk.hub.serve, kiosk.cli\n"
            "kiosk.cli.build_parser().parse_args(['hub', 'serve', '--port', '0'])\n"
            "assert not any(m == 'kiosk.ui' or m.startswith('kiosk.ui.') for m in sys.modules), 'kiosk.ui imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
