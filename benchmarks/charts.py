"""Line charts of benchmark results with matplotlib (the optional `[bench]` extra).

`line_panels(path, x, panels, ...)` draws one panel per measured quantity, one line per
series (e.g. per tree depth), and writes a PNG. Series that coincide (equal within
`rtol` wherever both have a value) would hide each other: the later one is drawn dashed
with hollow markers and the panel says which series coincide.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence


def coinciding(series: dict[str, list], rtol: float = 0.005) -> list[tuple[str, str]]:
    """Pairs of series names whose values agree within `rtol` at every shared point."""
    names = list(series)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pairs = [(u, v) for u, v in zip(series[a], series[b]) if u is not None and v is not None]
            if pairs and all(abs(u - v) <= rtol * max(abs(u), abs(v)) for u, v in pairs):
                out.append((a, b))
    return out


def line_panels(path: str, x: Sequence[float], panels: Sequence[tuple[str, str, dict]], *,
                xlabel: str, title: Optional[str] = None, columns: int = 2, rtol: float = 0.005) -> list[str]:
    """Write a PNG with one panel per (title, ylabel, {series: values}); returns the notes
    written on the panels about coinciding series."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.0 * columns, 4.2 * rows), squeeze=False)
    notes = []
    for ax, (name, ylabel, series) in zip(axes.flat, panels):
        dashed = {b for _, b in coinciding(series, rtol)}
        for k, (label, ys) in enumerate(series.items()):
            pts = [(xv, yv) for xv, yv in zip(x, ys) if yv is not None]
            if not pts:
                continue
            style = dict(linestyle="--", marker="s", markerfacecolor="none", markersize=9) \
                if label in dashed else dict(linestyle="-", marker="o", markersize=6)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, linewidth=2, color=f"C{k}", **style)
        for a, b in coinciding(series, rtol):
            text = f"{a} and {b} coincide" + (f" (within {rtol:.1%})" if rtol else "")
            notes.append(f"{name}: {text}")
            ax.text(0.03, 0.04, text, transform=ax.transAxes, fontsize=11, style="italic",
                    bbox=dict(boxstyle="round", facecolor="lightyellow", edgecolor="0.6"))
        ax.set_title(name, fontsize=14)
        ax.set_xlabel(xlabel, fontsize=12)
        ax.set_ylabel(ylabel, fontsize=12)
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"{v:g}" for v in x])
        ax.tick_params(labelsize=11)
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=11)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=15)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return notes
