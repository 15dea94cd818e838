"""Warnings and reader counts aggregated to one line per kind (affectctl.report.warnings)."""

import warnings

import numpy as np
import pytest

from affectctl.report.warnings import aggregate_exclusions, aggregate_warnings, runs_text

RECALL = ("recall of a class with no true sample is undefined and set to 0.0 (class Fear); "
          "use `on_empty` to control this.")


def _run_msg(cond, seed, text=RECALL):
    return f"condition '{cond}', seed {seed} ({cond}/seed-{seed}.csv): {text}"


def test_one_line_per_kind_naming_runs_and_classes():
    msgs = [_run_msg(c, s) for c in ("base", "circumplex", "uniform") for s in range(5)]
    lines = aggregate_warnings(msgs)
    assert lines == ["15 runs (base, circumplex, uniform × seeds 0–4): recall of a class with no "
                     "true sample is undefined and set to 0.0 (class Fear)."]
    assert "on_empty" not in lines[0]


def test_classes_are_merged_and_runs_listed_when_seeds_differ():
    msgs = [_run_msg("base", 0), _run_msg("uniform", 2, RECALL.replace("(class Fear)",
                                                                       "(classes Fear, Disgust)"))]
    (line,) = aggregate_warnings(msgs)
    assert line.startswith("2 runs (base seed 0, uniform seed 2): ")
    assert line.endswith("(classes Fear, Disgust).")


def test_kinds_keep_their_order_and_unknown_messages_are_kept_whole():
    msgs = ["something odd happened.", _run_msg("base", 1), "something odd happened.",
            "another thing"]
    lines = aggregate_warnings(msgs)
    assert lines == ["something odd happened (2 times).",
                     "base seed 1: recall of a class with no true sample is undefined and set to "
                     "0.0 (class Fear).",
                     "another thing."]


def test_test_floor_warnings_merge_tests_and_comparisons_without_python_advice():
    tail = ("with 5 non-zero paired difference(s), alternative='two-sided': the smallest attainable "
            "p-value is 0.0625 > alpha=0.05, so this test cannot reject at that level whatever the "
            "data; add seeds or units (see `affectctl power`), or pass `alpha=None` to silence this.")
    msgs = [f"{a} vs {b} (seeds 0, 1, 2, 3, 4; {a}/seed-0.csv, {b}/seed-0.csv, ...): {t}_test {tail}"
            for a, b in (("circumplex", "base"), ("uniform", "base")) for t in ("wilcoxon", "signflip")]
    (line,) = aggregate_warnings(msgs)
    assert line.startswith("2 comparisons (circumplex vs base, uniform vs base): ")
    assert "Wilcoxon and sign-flip tests cannot reach p < 0.05" in line and "floor 0.0625" in line
    assert "alpha=None" not in line and "`affectctl power`" in line


def test_warning_messages_and_file_prefixes():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("runs/a.csv: scores taken as logits.", UserWarning, stacklevel=1)
        warnings.warn("runs/b.csv: scores taken as logits.", UserWarning, stacklevel=1)
    (line,) = aggregate_warnings(caught)
    assert line == "2 files (runs/a.csv, runs/b.csv): scores taken as logits."


def test_an_unnamed_class_index_stays_in_the_text():
    (line,) = aggregate_warnings(["recall is undefined (class index 3)."])
    assert line == "recall is undefined (class index 3)."


def test_recall_warning_names_the_class_index():
    from affectctl.metrics.confusion import recall_per_class

    cm = np.array([[3, 1, 0], [0, 0, 0], [1, 0, 2]])
    with pytest.warns(Warning, match=r"undefined and set to 0\.0 \(class index 1\)"):
        recall_per_class(cm)


def test_runs_text():
    assert runs_text([("b", 0), ("b", 1), ("b", 2)]) == "3 runs (b seeds 0–2)"
    assert runs_text([("b", "4")]) == "b seed 4"


def test_exclusions_say_nothing_when_nothing_was_excluded():
    ex = {c: {str(s): {"expr": 0, "valence": 0, "arousal": 0} for s in range(5)}
          for c in ("base", "uniform")}
    assert aggregate_exclusions(ex) == []


def test_exclusions_one_line_per_kind_with_counts():
    ex = {"base": {"0": {"expr": 0, "proba_renormalized": 4}, "1": {"expr": 2, "proba_renormalized": 6}},
          "uniform": {"0": {"expr": 0, "proba_renormalized": 5}, "1": {"expr": 0}}}
    lines = aggregate_exclusions(ex)
    assert lines == ["probability rows renormalized: 4–6 per run (base seeds 0, 1, uniform seed 0)",
                     "expression labels excluded (label -1): 2 (base seed 1)"]
    same = {"a": {str(s): {"proba_renormalized": 7} for s in range(3)}}
    assert aggregate_exclusions(same) == ["probability rows renormalized: 7 each (a seeds 0–2)"]
    # an AU-only run says nothing of expression labels
    assert aggregate_exclusions({"x": {"0": {"expr": 3}}}, tasks=lambda c, s: ("au",)) == []


def test_class_indices_named_by_the_taxonomy_and_unknown_ones_left_alone():
    from affectctl.metrics.confusion import name_class_indices

    names = ["Neutral", "Anger", "Disgust", "Fear"]
    assert name_class_indices("F1 undefined (class index 3).", names) == "F1 undefined (class Fear)."
    assert name_class_indices("x (class index 1, 2)", names) == "x (classes Anger, Disgust)"
    assert name_class_indices("x (class index 9)", names) == "x (class index 9)"
