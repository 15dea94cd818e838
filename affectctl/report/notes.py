"""The footnotes of report tables: what each test is, its seeds, marks and caveats.

Builders in :mod:`affectctl.report.tables` store these lines in ``table.attrs["notes"]``;
the Markdown, LaTeX and console writers print them under the table.
"""

from __future__ import annotations

import math

import pandas as pd

from affectctl._util.validation import SEED_TESTS
from affectctl.report.formatting import (
    _FLOOR_MARK, _MARKS, _MINUS, TEST_LABELS, TEST_NAMES_IN_TEXT, _finite, format_p,
)

def _seeds_text(seeds) -> str:
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)



def _notes(result, table: pd.DataFrame, tests, alpha: float, *, kind: str) -> list:
    settings = dict(getattr(result, "settings", {}) or {})
    comps = result.comparisons
    seeds = tuple(getattr(result, "seeds", ()))
    notes = []
    delta = (f"Δ = condition {_MINUS} {result.baseline} (contrasts: a {_MINUS} b)"
             if kind == "main" else f"Δ = a {_MINUS} b")
    if len(seeds) == 1 and "ci_low" in table.columns:
        diffs = getattr(result, "differences", None)
        unit = settings.get("unit") or "sample"
        r = settings.get("n_resamples")
        conf = (diffs["confidence"].iloc[0] if diffs is not None and len(diffs) else 0.95)
        notes.append(f"One run per condition (seed {seeds[0]}): value of that run; {delta}; "
                     f"{100 * conf:g}% CI of Δ: paired bootstrap over {unit}s (percentile"
                     + (f", {r} resamples" if r else "") + "); ↑ higher is better, ↓ lower is better.")
        if settings.get("seed_tests_skipped"):
            notes.append(f"Seed-level tests not run: {settings['seed_tests_skipped']}.")
    elif len(seeds) == 1:
        notes.append(f"One run per condition (seed {seeds[0]}): the value, no sd; {delta}; "
                     "↑ higher is better, ↓ lower is better.")
    elif seeds:
        notes.append(f"Mean ± sd over n = {len(seeds)} seeds ({_seeds_text(seeds)}); {delta}; "
                     "↑ higher is better, ↓ lower is better.")
    else:
        notes.append(f"{delta}; ↑ higher is better, ↓ lower is better.")
    alt = settings.get("alternative")
    if alt is None and "alternative" in comps.columns and len(comps):
        alt = comps["alternative"].iloc[0]
    test_bits = []
    for t in tests:
        rows = comps[comps["test"] == t]
        label = TEST_LABELS.get(t, t)
        if t == "wilcoxon":
            exact = bool(rows["exact"].all()) if "exact" in rows else True
            test_bits.append(f"{label}: {'exact ' if exact else ''}signed-rank test over seeds")
        elif t == "signflip":
            if "exact" in rows and not rows["exact"].all():
                r = rows["n_resamples"].dropna()
                test_bits.append(f"{label}: Monte-Carlo sign-flip test over seeds"
                                 + (f" ({int(r.max())} resamples)" if len(r) else ""))
            else:
                test_bits.append(f"{label}: exact sign-flip test over seeds (all sign assignments)")
        elif t in ("ar", "bootstrap"):
            unit = rows["unit"].iloc[0] if "unit" in rows and len(rows) else settings.get("unit")
            what = "approximate randomization" if t == "ar" else "paired bootstrap"
            strata = ", seeds as strata" if len(seeds) != 1 else ""
            test_bits.append(f"{label}: {what} over {unit}s{strata}")
        elif t == "hierarchical_bootstrap":
            unit = rows["unit"].iloc[0] if "unit" in rows and len(rows) else settings.get("unit")
            test_bits.append(f"{label}: paired bootstrap resampling seeds and {unit}s together "
                             "(t interval, seed part corrected for few seeds; p from the same t)")
        elif t == "ttest":
            test_bits.append(f"{label}: paired t-test over seeds")
        else:
            test_bits.append(label)
    if test_bits:
        notes.append("; ".join(test_bits) + (f"; {alt} alternative." if alt else "."))
    if len(seeds) == 1 and kind == "main":
        notes += _classifier_notes(comps, grouped=settings.get("unit") == "group")
    corr = settings.get("correction")
    if corr is None and "p_adjust" in comps.columns and len(comps):
        corr = comps["p_adjust"].iloc[0]
    if corr:
        notes.append(f"p_adj: {corr}-adjusted within each test's family (all comparisons × "
                     "metrics tested with that test).")
    levels = [f"{mark} p_adj < {format_p(level)}" for level, mark in _MARKS[::-1] if level <= alpha]
    notes.append(", ".join(levels) + ".")
    floors: dict = {}
    n_col = "n"
    for t in tests:
        col_min = f"min_p_{t}"
        if col_min not in table or n_col not in table:
            continue
        sub = table[[col_min, n_col]].dropna()
        sub = sub[sub[col_min] > alpha]
        for min_p, n in sub.drop_duplicates().itertuples(index=False):
            floors.setdefault((int(n), float(min_p)), []).append(TEST_NAMES_IN_TEXT.get(t, t))
    if floors:
        unit = "seeds" if seeds else "pairs"
        parts = []
        for (n, min_p), names in floors.items():
            names = list(dict.fromkeys(names))
            which = " and ".join(names) + (" tests" if len(names) > 1 else " test")
            m = _signed_count(n, min_p, alt)
            ties = (f" of which {m} differ (a zero difference has no sign)" if m < n else "")
            parts.append(f"with n = {n} {unit}{ties} the {alt + ' ' if alt else ''}{which} "
                         f"cannot go below p = {format_p(min_p)}")
        notes.append(f"{_FLOOR_MARK} cannot reach p < {format_p(alpha)} whatever the data: "
                     + "; ".join(parts) + ".")
    mc = []
    if settings.get("seed") is not None:
        mc.append(f"Monte-Carlo seed {settings['seed']}")
    if settings.get("n_resamples") is not None:
        mc.append(f"{settings['n_resamples']} resamples")
    if settings.get("sequential_thresholds"):
        mc.append(_sequential_note(result.comparisons, settings["n_resamples"]))
    if settings.get("geometry"):
        mc.append(f"geometry {settings['geometry']}")
    if mc:
        notes.append(", ".join(mc) + ".")
    from affectctl.report.sensitivity_marks import table_footnote

    geo_note = table_footnote(result)
    if geo_note:
        notes.append(geo_note)
    official = settings.get("official_score")
    metrics_shown = set(table["metric"]) if "metric" in table.columns else set()
    if official and "official_score" in metrics_shown:
        notes.append(official_score_note(official))
    return notes


def official_score_note(official: str) -> str:
    """The footnote saying what the official score is, by its name and its definition
    (one text for the console, Markdown, LaTeX and HTML)."""
    from affectctl.report.formatting import metric_label

    name = metric_label(official, arrow=False)
    what = _OFFICIAL_TEXT.get(official)
    return f"Official score = {name} ({what})." if what else f"Official score = {name}."


def _classifier_notes(comps: pd.DataFrame, *, grouped: bool = False) -> list:
    """One run per condition: McNemar, Bowker and Stuart–Maxwell p-values, one line per pair."""
    if "test" not in comps.columns:
        return []
    rows = comps[comps["test"].isin(("mcnemar", "bowker", "stuart_maxwell"))]
    names = {"mcnemar": "McNemar", "bowker": "Bowker", "stuart_maxwell": "Stuart–Maxwell"}
    out = []
    for (a, b), g in rows.groupby(["a", "b"], sort=False):
        bits = [f"{names[r.test]} p = {format_p(r.p_value)}" for r in g.itertuples(index=False)]
        if bits:
            out.append(f"{a} vs {b}: " + ", ".join(bits) + " (raw; right/wrong, symmetry and "
                       "marginals of the paired predictions).")
    if out and grouped:
        out.append("These three treat frames as independent; frames of a video are not, so for "
                   "video data read the tests over groups above.")
    return out


_OFFICIAL_TEXT = {
    "abaw3_expr_score": "ABAW3+ EXPR: mean F1 over the 8 Aff-Wild2 classes",
    "abaw2_expr_score": "ABAW 2020/ABAW2 EXPR: 0.67 macro-F1 + 0.33 accuracy over 7 classes",
    "accuracy": "the benchmark's top-1 accuracy",
}


def _compact_notes(result, table, primary, alpha) -> list:
    settings = dict(getattr(result, "settings", {}) or {})
    comps = result.comparisons
    seeds = tuple(getattr(result, "seeds", ()))
    notes = []
    single = len(seeds) <= 1 or table["n_seeds"].fillna(0).max() <= 1
    if single:
        notes.append(f"One run per condition (the value shown, no sd); Δ = condition {_MINUS} "
                     f"{result.baseline}.")
    else:
        notes.append(f"Mean ± sd over {len(seeds)} seeds; Δ = condition {_MINUS} "
                     f"{result.baseline}; ↑/↓: higher/lower is better.")
    if primary:
        rows = comps[comps["test"] == primary]
        if primary in ("ar", "bootstrap"):
            unit = rows["unit"].iloc[0] if "unit" in rows and len(rows) else settings.get("unit")
            what = ("approximate randomization" if primary == "ar" else "paired bootstrap")
            desc = f"{what} over {unit}s" + ("" if single else ", seeds as strata")
        elif primary == "wilcoxon":
            desc = "exact Wilcoxon signed-rank test over seeds"
        elif primary == "signflip":
            desc = "sign-flip test over seeds"
        elif primary == "ttest":
            desc = "paired t-test over seeds"
        else:
            desc = TEST_LABELS.get(primary, primary)
        corr = settings.get("correction")
        if corr is None and "p_adjust" in rows.columns and len(rows):
            corr = rows["p_adjust"].iloc[0]
        levels = ", ".join(f"{mark} p_adj < {format_p(level)}" for level, mark in _MARKS[::-1]
                           if level <= alpha)
        adj = f", {corr}-adjusted" if corr and corr != "none" else ""
        notes.append(f"Marks on Δ: {desc}{adj}: {levels}.")
        if (table["sig"] == _FLOOR_MARK).any():
            notes.append(f"{_FLOOR_MARK} the test cannot reach p < {format_p(alpha)} "
                         "whatever the data.")
        seed_rows = comps[comps["test"].isin(SEED_TESTS)]
        if primary not in SEED_TESTS and len(seed_rows):
            floor = pd.to_numeric(seed_rows["min_pvalue"], errors="coerce").max()
            if _finite(floor) and floor > alpha:
                notes.append(f"The seed-level tests cannot go below p = {format_p(floor)} "
                             f"with {len(seeds)} seeds (full statistics table).")
    else:
        notes.append("No test: Δ is the plain difference of the values.")
    official = settings.get("official_score")
    if official and "official_score" in set(table["metric"]):
        notes.append(official_score_note(official))
    return notes


def _signed_count(n: int, min_p: float, alt) -> int:
    """The number m of non-zero paired differences behind an exact sign test's floor.

    The exact Wilcoxon and sign-flip tests over m signed differences cannot go below
    ``2 / 2**m`` two-sided (``1 / 2**m`` one-sided); zero differences carry no sign, so
    with ties among n seeds the floor is that of m < n. Returns n when ``min_p`` is the
    floor of n or not of that form (a Monte-Carlo floor).
    """
    k = 1.0 if alt in ("greater", "less") else 2.0
    if not 0 < min_p <= 1:
        return n
    m = round(math.log2(k / min_p))
    return m if 0 <= m < n and math.isclose(k / 2.0**m, min_p, rel_tol=1e-9) else n


def _sequential_note(comps, cap) -> str:
    """What --sequential did: the AR draws actually made (results carry them per test)."""
    ar = comps[comps["test"] == "ar"] if "test" in comps else comps.iloc[:0]
    n = ar["n_resamples"].dropna().astype(int) if "n_resamples" in ar else []
    used = (f"{min(n)}–{max(n)}" if min(n) != max(n) else f"{min(n)}") if len(n) else "no"
    risk = sorted({f"{r:g}" for r in ar.get("risk_bound", []) if r == r and r is not None})
    return (f"AR sequential: stopped after {used} of at most {cap} resamples once settled at "
            f"every threshold of its correction (resampling risk ≤ {', '.join(risk) or '?'} "
            "per test)")
