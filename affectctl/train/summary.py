"""Printed one-line summaries of training runs, from dump metadata (no torch)."""

from __future__ import annotations

__all__ = ["arbex_summary_line"]


def arbex_summary_line(meta: dict) -> "str | None":
    """Two printed lines: a run's ARBEx branch test accuracies and mean fusion weights."""
    b = meta.get("arbex_branches")
    if not b:
        return None

    def f(v):
        return "n/a" if v is None else f"{v:.3f}"

    a, w = b["accuracy"], b["fusion_weight"]
    # two short lines, so that they fit an 80-column terminal
    return (f"{meta.get('condition')} seed {meta.get('seed')}: accuracy primary "
            f"{f(a['primary'])}, anchor {f(a['anchor'])}, attention {f(a['attention'])}\n"
            f"  mean fusion weight primary {f(w['primary'])}, anchor {f(w['anchor'])}, "
            f"attention {f(w['attention'])}")
