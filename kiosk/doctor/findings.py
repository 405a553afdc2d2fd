"""What the doctor found: one line per check, each problem with its fix; text for people, JSON for scripts."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

OK = "ok"
PROBLEM = "problem"
NOTE = "note"  # nothing wrong, worth knowing (no hub configured, a check that cannot run here)


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    summary: str
    fix: str = ""


def ok(check: str, summary: str) -> Finding:
    return Finding(check, OK, summary)


def problem(check: str, summary: str, fix: str) -> Finding:
    return Finding(check, PROBLEM, summary, fix)


def note(check: str, summary: str, fix: str = "") -> Finding:
    return Finding(check, NOTE, summary, fix)


def exit_code(findings: Iterable[Finding]) -> int:
    return 1 if any(f.status == PROBLEM for f in findings) else 0


def render_text(findings: list[Finding]) -> str:
    problems = sum(f.status == PROBLEM for f in findings)
    width = max((len(f.check) for f in findings), default=0)
    head = "kiosk doctor: all is well" if not problems else \
        f"kiosk doctor: {problems} problem{'s' if problems != 1 else ''} to fix"
    lines = [head]
    for f in findings:
        mark = {OK: "ok     ", PROBLEM: "PROBLEM", NOTE: "note   "}[f.status]
        lines.append(f"  {mark}  {f.check:<{width}}  {f.summary}")
        if f.fix:
            lines.append(f"  {'':7}  {'':<{width}}  fix: {f.fix}")
    return "\n".join(lines)


def render_json(findings: list[Finding]) -> str:
    return json.dumps({"ok": exit_code(findings) == 0,
                       "problems": sum(f.status == PROBLEM for f in findings),
                       "checks": [asdict(f) for f in findings]}, indent=2, ensure_ascii=False)
