"""The PNG beside a result file: each judged figure as its share of its budget (1.0 is the line)."""

from __future__ import annotations

from pathlib import Path


def budget_share(record: dict) -> float | None:
    """How much of its budget a figure uses: the checked number over the limit (ratio or value)."""
    limit = record.get("limit")
    checked = record.get("ratio") if record.get("against") == "ratio" else record.get("value")
    if limit in (None, 0) or checked is None:
        return None
    return checked / limit


def draw(records: list[dict], out: Path, title: str) -> Path | None:
    """A horizontal bar per judged figure; None when matplotlib is missing (it is a bench-only extra)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    judged = [(f"{r['bench']}: {r['figure']}", budget_share(r), r["verdict"]) for r in records]
    judged = [j for j in judged if j[1] is not None]
    if not judged:
        return None
    height = 0.9 + 0.38 * len(judged)
    fig, ax = plt.subplots(figsize=(10, height))
    labels = [j[0] for j in judged]
    values = [min(j[1], 3.0) for j in judged]
    colours = ["#7fa7c9" if j[2] == "PASS" else "#d9a441" for j in judged]
    ax.barh(range(len(judged)), values, color=colours)
    ax.axvline(1.0, color="#555555", linewidth=1)
    ax.set_yticks(range(len(judged)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("share of the budget (1.0 = the budget; bars are cut at 3)")
    fig.suptitle(title, fontsize=10)  # over the whole figure: the labels take half its width
    for i, j in enumerate(judged):
        ax.text(values[i] + 0.02, i, f"{j[1]:.2f} {j[2]}", va="center", fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
