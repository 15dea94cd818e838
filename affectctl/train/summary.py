"""Printed one-line summaries of training runs, from dump metadata (no torch)."""

from __future__ import annotations

__all__ = ["arbex_summary_line"]


def arbex_summary_line(meta: dict) -> "str | None":
    """One printed line with a run's ARBEx branch accuracies and fusion weights."""
    b = meta.get("arbex_branches")
    if not b:
        return None

    def f(v):
        return "n/a" if v is None else f"{v:.3f}"

    a, w = b["accuracy"], b["fusion_weight"]
    return (f"{meta.get('condition')} seed {meta.get('seed')}: branch accuracy primary "
            f"{f(a['primary'])}, anchor {f(a['anchor'])}, attention {f(a['attention'])}; "
            f"fusion weight {f(w['primary'])} / {f(w['anchor'])} / {f(w['attention'])}")
