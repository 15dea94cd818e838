"""Warnings and reader counts of a run, one line per kind, in command-line words.

A comparison of 3 conditions × 5 seeds repeats each per-file warning 15 times
("recall of a class with no true sample is undefined", once per seed file) and each
per-test warning once per comparison. :func:`aggregate_warnings` turns the warnings
collected during a run into one line per kind, saying how many runs, comparisons or
files it concerns and naming them (and the classes, when the warning names classes);
:func:`aggregate_exclusions` does the same for what the readers excluded or converted
(:attr:`Dump.exclusions`), leaving out every count that is zero. The console
(``affectctl compare``, ``diagnose``, ``audit``) and the HTML report print these lines.

The messages are parsed in the forms the library writes them
(:class:`affectctl.compare.parts._About` puts ``condition 'c', seed s (file): `` or
``a vs b (seeds ...; files): `` in front; readers put ``file: ``); a message in no
known form is kept whole, once per distinct text. Advice that only a Python caller
can follow (``pass `alpha=None```, ``use `on_empty```) is dropped.
"""

from __future__ import annotations

import re
import warnings as _warnings
from typing import Callable, Iterable, Mapping

__all__ = ["aggregate_warnings", "aggregate_exclusions", "exclusion_detail", "runs_text",
           "warning_text"]

_RUN = re.compile(r"condition '(?P<cond>[^']*)', seed (?P<seed>-?\d+) \((?P<src>[^()]*)\): "
                  r"(?P<rest>.*)", re.S)
_PAIR = re.compile(r"(?P<a>\S+) vs (?P<b>\S+) \(seeds? [^;()]*;[^()]*\): (?P<rest>.*)", re.S)
_FILE = re.compile(r"(?P<src>[^\s:]+\.(?:csv|parquet|tsv|txt|json|npz)|[^\s:]*/[^\s:]+): "
                   r"(?P<rest>.*)", re.S)
_CLASSES = re.compile(r" \(class(?:es)? (?!index )(?P<names>[^()]*)\)")
_TEST = re.compile(r"^(?P<test>[a-z_]+?)_test\b:? ?")

#: Advice addressed to a Python caller, not to a command-line user.
_API_ADVICE = (
    re.compile(r"[;,] use `on_empty` to control this"),
    re.compile(r",? or pass `alpha=None` to silence this"),
    re.compile(r"[;,] pass `alpha=None` to silence this"),
)

#: Library phrasings rewritten in the words of the command line (pattern, replacement).
_REWRITES = (
    (re.compile(r"^\{tests\} with (?P<n>\d+) non-zero paired difference\(s\), "
                r"alternative='(?P<alt>[\w-]+)': the smallest attainable p-value is "
                r"(?P<p>[\d.e+-]+) > alpha=(?P<alpha>[\d.e+-]+), so this test cannot reject at "
                r"that level whatever the data; (?P<advice>.*)$", re.S),
     r"with \g<n> non-zero paired differences the \g<alt> {tests} cannot reach "
     r"p < \g<alpha> whatever the data (floor \g<p>); \g<advice>"),
)

_TEST_NAMES = {"wilcoxon": "Wilcoxon", "signflip": "sign-flip", "paired_ttest": "paired t",
               "ttest": "paired t", "mcnemar": "McNemar", "bowker": "Bowker",
               "stuart_maxwell": "Stuart–Maxwell", "approximate_randomization":
               "approximate-randomization", "paired_bootstrap": "paired bootstrap"}


def warning_text(w) -> str:
    """The message of a warning: a :class:`warnings.WarningMessage`, a Warning or a str."""
    if isinstance(w, _warnings.WarningMessage):
        w = w.message
    text = str(w)
    return text.splitlines()[0].strip() if text.strip() else type(w).__name__


def _parse(text: str) -> tuple:
    """``(kind, subject, classes, test)`` of one message.

    ``subject`` is ``("run", cond, seed)``, ``("pair", a, b)``, ``("file", src)`` or None.
    """
    subject = None
    for pattern, make in ((_RUN, lambda m: ("run", m["cond"], int(m["seed"]))),
                          (_PAIR, lambda m: ("pair", m["a"], m["b"])),
                          (_FILE, lambda m: ("file", m["src"]))):
        m = pattern.fullmatch(text)
        if m:
            subject, text = make(m), m["rest"]
            break
    for advice in _API_ADVICE:
        text = advice.sub("", text)
    classes = ()
    m = _CLASSES.search(text)
    if m:
        classes = tuple(n.strip() for n in m["names"].split(","))
        text = text[:m.start()] + text[m.end():]
    test = None
    m = _TEST.match(text)
    if m:
        test, text = m["test"], "{tests} " + text[m.end():].lstrip()
        text = text.replace("{tests} : ", "{tests}: ")
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return text.strip().rstrip("."), subject, classes, test


def _span(values) -> str:
    """``0–4`` for consecutive integers, else ``0, 2, 5``."""
    values = sorted(dict.fromkeys(values))
    if len(values) > 2 and values == list(range(values[0], values[0] + len(values))):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def runs_text(runs: Iterable[tuple], *, count: bool = True) -> str:
    """``(condition, seed)`` pairs in few words.

    >>> runs_text([("base", 0), ("base", 1), ("uniform", 0), ("uniform", 1)])
    '4 runs (base, uniform × seeds 0, 1)'
    >>> runs_text([("base", 3)])
    'base seed 3'
    >>> runs_text([("base", 0), ("uniform", 2)])
    '2 runs (base seed 0, uniform seed 2)'
    >>> runs_text([("base", 0), ("uniform", 2)], count=False)
    'base seed 0, uniform seed 2'
    """
    by_cond: dict = {}
    for cond, seed in runs:
        seed = int(seed) if isinstance(seed, str) and seed.lstrip("-").isdigit() else seed
        by_cond.setdefault(cond, [])
        if seed not in by_cond[cond]:
            by_cond[cond].append(seed)
    n = sum(len(s) for s in by_cond.values())
    seed_sets = {tuple(sorted(s)) for s in by_cond.values()}

    def seeds(s):
        return f"seed {s[0]}" if len(s) == 1 else f"seeds {_span(s)}"

    if n == 1:
        (cond, s), = by_cond.items()
        return f"{cond} {seeds(s)}"
    if len(by_cond) == 1:
        (cond, s), = by_cond.items()
        names = f"{cond} {seeds(sorted(s))}"
    elif len(seed_sets) == 1:
        names = f"{', '.join(by_cond)} × {seeds(next(iter(seed_sets)))}"
    else:
        names = ", ".join(f"{c} {seeds(sorted(s))}" for c, s in by_cond.items())
    return f"{n} runs ({names})" if count else names


def _list(names, most: int = 4) -> str:
    names = list(dict.fromkeys(names))
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most - 1]) + f" and {len(names) - most + 1} more"


def _subjects_text(subjects: list) -> str:
    runs = [(s[1], s[2]) for s in subjects if s[0] == "run"]
    pairs = list(dict.fromkeys(f"{s[1]} vs {s[2]}" for s in subjects if s[0] == "pair"))
    files = list(dict.fromkeys(s[1] for s in subjects if s[0] == "file"))
    parts = []
    if runs:
        parts.append(runs_text(runs))
    if pairs:
        parts.append(pairs[0] if len(pairs) == 1
                     else f"{len(pairs)} comparisons ({_list(pairs)})")
    if files:
        parts.append(files[0] if len(files) == 1 else f"{len(files)} files ({_list(files, 3)})")
    return "; ".join(parts)


def _tests_text(tests: list) -> str:
    names = [_TEST_NAMES.get(t, t) for t in dict.fromkeys(tests)]
    if not names:
        return "test"
    if len(names) == 1:
        return f"{names[0]} test"
    return ", ".join(names[:-1]) + f" and {names[-1]} tests"


def aggregate_warnings(warnings: Iterable) -> list:
    """One line per kind of warning, with the runs, comparisons or files and classes it concerns.

    Parameters
    ----------
    warnings : iterable of warnings.WarningMessage, Warning or str
        The warnings collected during a run (as ``warnings.catch_warnings(record=True)``
        returns them) or their messages.

    Returns
    -------
    list of str
        In order of first appearance, one line per kind (the message without its
        run/file prefix and without the advice for Python callers). The line starts
        with what it concerns (``15 runs (base, circumplex, uniform × seeds 0–4)``,
        ``3 comparisons (...)``, a file) and names the classes the messages
        named; a kind repeated without any subject ends in ``(N times)``. No line
        carries the ``affectctl: warning:`` prefix (the caller adds it).

    Examples
    --------
    >>> msgs = [f"condition '{c}', seed {s} ({c}/seed-{s}.csv): recall of a class with no true "
    ...         "sample is undefined and set to 0.0 (class Fear)." for c in ("base", "uniform")
    ...         for s in range(5)]
    >>> aggregate_warnings(msgs)  # doctest: +NORMALIZE_WHITESPACE
    ['10 runs (base, uniform × seeds 0–4): recall of a class with no true sample is undefined
      and set to 0.0 (class Fear).']
    """
    kinds: dict = {}
    for w in warnings:
        kind, subject, classes, test = _parse(warning_text(w))
        entry = kinds.setdefault(kind, {"subjects": [], "classes": [], "tests": [], "count": 0})
        entry["count"] += 1
        if subject is not None and subject not in entry["subjects"]:
            entry["subjects"].append(subject)
        entry["classes"] += [c for c in classes if c not in entry["classes"]]
        if test and test not in entry["tests"]:
            entry["tests"].append(test)
    lines = []
    for kind, e in kinds.items():
        text = kind.replace("{tests}", _tests_text(e["tests"]))
        if e["classes"]:
            text += f" (class{'es' if len(e['classes']) > 1 else ''} {', '.join(e['classes'])})"
        where = _subjects_text(e["subjects"])
        line = f"{where}: {text}." if where else f"{text}."
        unsubjected = e["count"] - len(e["subjects"]) if not e["subjects"] else 0
        if unsubjected > 1:
            line = line[:-1] + f" ({unsubjected} times)."
        lines.append(line)
    return lines


# ----------------------------------------------------------------------------------------------
# reader counts

#: What the tool readers count, in the words the console uses (as io.schema's).
def _read_counts():
    from ..io.schema import _READ_COUNTS

    return _READ_COUNTS


def _items(ex: dict, tasks) -> list:
    """``[(what, count)]`` of the non-zero counts of one run's :attr:`Dump.exclusions`."""
    ex = ex or {}
    tasks = ("expression", "va", "au") if tasks is None else tuple(tasks)
    coded = (ex.get("by_code") or {}) if "expression" in tasks or "va" in tasks else {}
    out = []
    # with a dataset's exclusion codes the lines per code below say what and how many
    if ex.get("expr") and "expression" in tasks and not coded:
        out.append(("expression labels excluded (label -1)", ex["expr"]))
    if ("va" in tasks or "expression" in tasks) and not coded:
        for dim in ("valence", "arousal"):
            if ex.get(dim):
                out.append((f"{dim} values excluded (-5)", ex[dim]))
    if ex.get("au") and "au" in tasks:
        out.append(("AU values excluded (-1)", ex["au"]))
    if ex.get("proba_renormalized"):
        out.append(("probability rows renormalized", ex["proba_renormalized"]))
    for label, count in coded.items():
        if count:
            out.append((f"excluded by code: {label}", count))
    for key, what in _read_counts():
        if ex.get(key):
            out.append((f"read from the tool's file: {what}", ex[key]))
    if ex.get("au_not_predicted") and "au" in tasks:
        out.append((f"not predicted (annotated; F1 and fixed-AU-set scores n/a): "
                    f"{', '.join(ex['au_not_predicted'])}", None))
    return out


def _count_text(counts: list, n_runs: int) -> str:
    if n_runs == 1:
        return str(counts[0])
    lo, hi = min(counts), max(counts)
    if lo == hi and len(counts) == n_runs:
        return f"{lo} each"
    return f"{lo}–{hi} per run"


def aggregate_exclusions(exclusions: Mapping, tasks: Callable | None = None) -> list:
    """One line per kind of reader count, over all runs; zero counts say nothing.

    Parameters
    ----------
    exclusions : mapping
        ``{condition: {seed: Dump.exclusions}}`` (``ComparisonResult.settings["exclusions"]``).
    tasks : callable, optional
        ``tasks(condition, seed) -> Dump.tasks``: a count is shown only for the tasks
        the run is scored on (an AU-only run says nothing of expression labels).

    Returns
    -------
    list of str
        ``"<what>: <count> (<runs>)"`` per kind, e.g. ``probability rows
        renormalized: 147–212 per run (base, circumplex, uniform × seeds 0–4)``
        (``<n> each`` when every run has the same count); empty when no reader
        excluded or converted anything.

    Examples
    --------
    >>> ex = {"base": {0: {"expr": 0, "proba_renormalized": 3}, 1: {"expr": 0}}}
    >>> aggregate_exclusions(ex)
    ['probability rows renormalized: 3 (base seed 0)']
    >>> aggregate_exclusions({"base": {0: {"expr": 0, "valence": 0, "arousal": 0}}})
    []
    """
    kinds: dict = {}
    for cond, by_seed in (exclusions or {}).items():
        for seed, ex in (by_seed or {}).items():
            t = tasks(cond, seed) if tasks is not None else None
            for what, count in _items(ex, t):
                kinds.setdefault(what, []).append(((cond, seed), count))
    lines = []
    for what, hits in kinds.items():
        runs = [r for r, _ in hits]
        counts = [c for _, c in hits if c is not None]
        if counts:
            lines.append(f"{what}: {_count_text(counts, len(runs))} "
                         f"({runs_text(runs, count=False)})")
        else:
            lines.append(f"{what} ({runs_text(runs, count=False)})")
    return lines


def exclusion_detail(exclusions: Mapping, source: Callable, tasks: Callable | None = None) -> list:
    """Per-run reader counts (``-v``): one line per run that had a non-zero count.

    Parameters
    ----------
    exclusions : mapping
        ``{condition: {seed: Dump.exclusions}}``.
    source : callable
        ``source(condition, seed) -> str``: the run's file.
    tasks : callable, optional
        As in :func:`aggregate_exclusions`.
    """
    lines = []
    for cond, by_seed in (exclusions or {}).items():
        for seed, ex in (by_seed or {}).items():
            items = _items(ex, tasks(cond, seed) if tasks is not None else None)
            if items:
                lines.append(f"{cond}, seed {seed} ({source(cond, seed)}): "
                             + "; ".join(w if c is None else f"{w}: {c}" for w, c in items))
    return lines
