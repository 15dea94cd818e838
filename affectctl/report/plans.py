"""Declarative analysis plans (``analyses/*.toml``) and the code that builds them into reports.

A plan names datasets (built-in, trained on demand) or a runs folder, the conditions,
the baseline, the tests and the tables to produce. Example: the shipped plan
``rare-class-limit`` (``affectctl report rare-class-limit``).

``affectctl report PLAN`` takes a path to a ``.toml`` file, or a plan name looked up in
this order (:func:`find_plan`): ``./analyses/<name>.toml`` in the current folder, then
the plans shipped inside the package (``affectctl/data/plans/``, read with
:mod:`importlib.resources`).

Keys
----
name : str
description : str, optional
datasets : list of str              built-in datasets (``sim-affwild2``, ``sim-affectnet``, trained
                                    on demand) and/or ``"NAME=DIR"`` (a runs folder named NAME);
                                    two or more: also the aggregates over datasets
                                    (:func:`affectctl.compare.multi.compare_datasets`)
runs : str, optional                instead of ``datasets``: a folder of ``<dataset>/<condition>/seed-<k>``
conditions : list of str
baseline : str                      default: the first condition
seeds : int                         seeds to train (default 5)
geometry, sample_test, unit, permutations, seed, correction, alternative : as ``affectctl compare``
                                    (``sample_test``: ar, bootstrap, hierarchical or none)
figures : bool                      write the compare figures for every dataset (default true)
[[tables]]
    name : str
    caption : str, optional
    kind : "comparison" (default) | "degeneracy"
    metrics : list of str           (comparison) metric ids
    pairs : "baseline" | "all" | list of [a, b]   (comparison) which comparisons to show
    tests : list of str             (comparison) default ["wilcoxon", "signflip"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from affectctl._util.validation import (MAX_SEEDS, SAMPLE_TESTS, check_count, check_name,
                                       check_resamples, check_seed, contained, read_toml)
from affectctl.errors import ConfigError
from affectctl.io.layout import DEFAULT_CACHE

__all__ = ["AnalysisPlan", "TableSpec", "find_plan", "key_location", "list_plans", "load_plan", "plan_dirs", "run_plan"]


_PLAN_KEYS = {"name", "description", "datasets", "runs", "conditions", "baseline", "seeds", "geometry",
              "sample_test", "unit", "permutations", "seed", "correction", "alternative", "figures",
              "tables", "taxonomy", "launcher"}  # [launcher]: read by the CLI (train/launchers.py)
_TABLE_KEYS = {"name", "caption", "kind", "metrics", "pairs", "tests"}


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: str = "comparison"
    caption: str = ""
    metrics: tuple = ()
    pairs: object = "baseline"
    tests: tuple = ("wilcoxon", "signflip")


@dataclass(frozen=True)
class AnalysisPlan:
    name: str
    conditions: tuple
    baseline: str
    datasets: tuple = ()
    runs: str | None = None
    description: str = ""
    seeds: int = 5
    geometry: str = "auto"
    sample_test: str = "ar"
    unit: str | None = None
    permutations: int = 9999
    seed: int = 0
    correction: str = "holm"
    alternative: str = "two-sided"
    figures: bool = True
    taxonomy: str | None = None
    tables: tuple = field(default_factory=tuple)
    source: str = ""
    #: ``(name, folder)`` of the ``"NAME=DIR"`` entries of ``datasets`` (not trained)
    folders: tuple = ()

    @property
    def builtin_datasets(self) -> tuple:
        """The ``datasets`` trained on demand (those without a folder)."""
        given = {n for n, _ in self.folders}
        return tuple(d for d in self.datasets if d not in given)

    @property
    def extra_contrasts(self) -> tuple:
        out = []
        for t in self.tables:
            if t.kind == "comparison" and isinstance(t.pairs, tuple):
                out.extend(p for p in t.pairs if p[1] != self.baseline)
        return tuple(dict.fromkeys(out))

    @property
    def metrics(self) -> tuple:
        ms = [m for t in self.tables if t.kind == "comparison" for m in t.metrics]
        return tuple(dict.fromkeys(ms))


def key_location(path, key: str) -> str:
    """``file:line`` of the first ``key = ...`` line of a plan (``file`` alone if none)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i, line in enumerate(lines, start=1):
        if pattern.match(line):
            return f"{path}:{i}"
    return str(path)


def _dataset_entries(path, datasets) -> tuple:
    """``datasets`` as (names, ((name, folder), ...)): ``"NAME=DIR"`` entries give a folder."""
    names, folders = [], []
    for d in datasets:
        name, sep, folder = d.partition("=")
        if sep:
            if not name or not folder.strip():
                raise ConfigError(f"{key_location(path, 'datasets')}: `datasets` entry {d!r} must be a "
                                  "built-in dataset or NAME=DIR (e.g. \"affwild2=runs/aw2\").")
            folders.append((name, folder))
        names.append(name)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"{key_location(path, 'datasets')}: `datasets` names {twice[0]!r} twice; "
                          "each dataset once.")
    return tuple(names), tuple(folders)


def _type_error(path, key, expected, value):
    return ConfigError(f"{path}: `{key}` must be {expected}; got {value!r}.")


def plan_dirs() -> list:
    """Folders searched for a plan given by name, in lookup order: ``./analyses``, then the
    shipped plans (a :class:`importlib.resources.abc.Traversable`)."""
    from affectctl._util.resources import shipped

    return [Path.cwd() / "analyses", shipped("plans")]


def list_plans() -> list[str]:
    """Names of the plans visible from here (union of :func:`plan_dirs`), sorted."""
    names: set = set()
    for d in plan_dirs():
        if d.is_dir():
            names.update(p.name[: -len(".toml")] for p in d.iterdir()
                         if p.is_file() and p.name.endswith(".toml"))
    return sorted(names)


def find_plan(plan: "str | Path"):
    """The plan file for ``plan``: an existing path as given, else a name (``rare-class-limit``)
    looked up in :func:`plan_dirs`. Raises :class:`ConfigError` listing the folders searched."""
    from affectctl._util.resources import SHIPPED_LABEL

    path = Path(plan)
    if path.exists():  # a file given by path; read_toml refuses a non-regular one by type
        return path
    name = str(plan)
    if "/" in name or "\\" in name or path.suffix not in ("", ".toml"):
        raise ConfigError(f"analysis plan {plan} does not exist.")
    stem = name[: -len(".toml")] if name.endswith(".toml") else name
    dirs = plan_dirs()
    for d in dirs:
        candidate = d / f"{stem}.toml"
        if candidate.is_file():
            return candidate
    searched = f"{dirs[0]}, {SHIPPED_LABEL.format(kind='plans', path=dirs[1])}"
    raise ConfigError(f"analysis plan {plan} does not exist; plans by name: {list_plans()} "
                      f"(searched, in order: {searched}).")


def load_plan(path: "str | Path") -> AnalysisPlan:
    """Read and validate an analysis plan (a path, or a name: :func:`find_plan`); errors name
    the file and the key."""
    path = find_plan(path)
    raw = read_toml(path, "analysis plan")
    unknown = set(raw) - _PLAN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key `{sorted(unknown)[0]}`; allowed keys: {sorted(_PLAN_KEYS)}.")
    for key in ("name", "conditions", "tables"):
        if key not in raw:
            raise ConfigError(f"{path}: required key `{key}` is missing.")
    conditions = raw["conditions"]
    if not (isinstance(conditions, list) and len(conditions) >= 2 and all(isinstance(c, str) for c in conditions)):
        raise _type_error(path, "conditions", "a list of at least two condition names", conditions)
    baseline = raw.get("baseline", conditions[0])
    if baseline not in conditions:
        raise ConfigError(f"{path}: `baseline` {baseline!r} is not among the conditions {conditions}.")
    datasets = raw.get("datasets", [])
    if "runs" in raw and datasets:
        raise ConfigError(f"{path}: give `datasets` (trained on demand) or `runs` (a folder), not both.")
    if not datasets and "runs" not in raw:
        raise ConfigError(f"{path}: needs `datasets` or `runs`.")
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise _type_error(path, "datasets", "a list of dataset names", datasets)
    datasets, folders = _dataset_entries(path, datasets)
    sample_test = raw.get("sample_test", "ar")
    if sample_test not in (*SAMPLE_TESTS, "none"):
        raise ConfigError(f"{key_location(path, 'sample_test')}: `sample_test` must be one of "
                          f"{', '.join((*SAMPLE_TESTS, 'none'))}; got {sample_test!r}.")
    for key, typ, desc in (("seeds", int, "a positive integer"), ("permutations", int, "a positive integer"),
                           ("seed", int, "an integer"), ("figures", bool, "true or false")):
        if key in raw and (not isinstance(raw[key], typ) or (typ is int and isinstance(raw[key], bool))):
            raise _type_error(path, key, desc, raw[key])
    if raw.get("seeds", 5) < 1 or raw.get("permutations", 1) < 1:
        raise ConfigError(f"{path}: `seeds` and `permutations` must be positive.")
    try:  # the plan's name is a folder inside --out; its sizes are bounded like the options
        check_name("name", raw["name"])
        check_resamples("permutations", raw.get("permutations", 9999))
        check_count("seeds", raw.get("seeds", 5), limit=MAX_SEEDS)
        check_seed("seed", raw.get("seed", 0))
        for c in conditions:
            check_name("conditions", c)
        for d in datasets:
            check_name("datasets", d)
        for t in raw["tables"] if isinstance(raw["tables"], list) else ():
            if isinstance(t, dict) and "name" in t:
                check_name("tables.name", t["name"])
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    tables = []
    if not isinstance(raw["tables"], list) or not raw["tables"]:
        raise _type_error(path, "tables", "a non-empty array of [[tables]]", raw["tables"])
    names = [t.get("name") for t in raw["tables"] if isinstance(t, dict)]
    twice = sorted({n for n in names if names.count(n) > 1 and n is not None})
    if twice:
        where = [i for i, n in enumerate(names, start=1) if n == twice[0]]
        raise ConfigError(f"{path}: `tables.name` {twice[0]!r} is used by tables "
                          f"{', '.join(map(str, where))} (each table is written to <name>.md/.tex/"
                          ".csv, so the second would overwrite the first); name them apart.")
    for i, t in enumerate(raw["tables"], start=1):
        bad = set(t) - _TABLE_KEYS
        if bad:
            raise ConfigError(f"{path}: table {i}: unknown key `{sorted(bad)[0]}`; allowed: {sorted(_TABLE_KEYS)}.")
        if "name" not in t:
            raise ConfigError(f"{path}: table {i}: `name` is missing.")
        kind = t.get("kind", "comparison")
        if kind not in ("comparison", "degeneracy"):
            raise ConfigError(f"{path}: table '{t['name']}': `kind` must be one of "
                              f"{{'comparison', 'degeneracy'}}; got {kind!r}.")
        pairs = t.get("pairs", "baseline")
        if isinstance(pairs, list):
            if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ConfigError(f"{path}: table '{t['name']}': `pairs` must be \"baseline\", \"all\" or a "
                                  f"list of [a, b]; got {pairs!r}.")
            for a, b in pairs:
                for c in (a, b):
                    if c not in conditions:
                        raise ConfigError(f"{path}: table '{t['name']}': pair [{a}, {b}] names {c!r}, "
                                          f"not among the conditions.")
            pairs = tuple((a, b) for a, b in pairs)
        elif pairs not in ("baseline", "all"):
            raise ConfigError(f"{path}: table '{t['name']}': `pairs` must be \"baseline\", \"all\" or a "
                              f"list of [a, b]; got {pairs!r}.")
        metrics = t.get("metrics", [])
        if kind == "comparison" and not metrics:
            raise ConfigError(f"{path}: table '{t['name']}': `metrics` is missing.")
        tables.append(TableSpec(name=t["name"], kind=kind, caption=t.get("caption", ""),
                                metrics=tuple(metrics), pairs=pairs,
                                tests=tuple(t.get("tests", ("wilcoxon", "signflip")))))
    return AnalysisPlan(
        name=raw["name"], conditions=tuple(conditions), baseline=baseline, datasets=tuple(datasets),
        runs=raw.get("runs"), description=raw.get("description", ""), seeds=raw.get("seeds", 5),
        geometry=raw.get("geometry", "auto"), sample_test=sample_test,
        unit=raw.get("unit"), permutations=raw.get("permutations", 9999), seed=raw.get("seed", 0),
        correction=raw.get("correction", "holm"), alternative=raw.get("alternative", "two-sided"),
        figures=raw.get("figures", True), taxonomy=raw.get("taxonomy"), tables=tuple(tables),
        source=str(path), folders=folders)


def run_plan(plan: AnalysisPlan, *, out: "str | Path" = "reports", cache: "str | Path" = DEFAULT_CACHE,
             progress: bool = True, log=None, ensure_runs=None) -> dict:
    """Build every table of a plan for every dataset; return ``{(dataset, table): {fmt: Path}}``.

    A plan without ``runs`` needs trained runs: ``ensure_runs(conditions, dataset=...,
    seeds=..., cache=..., progress=...) -> folder`` trains what is missing (the command
    line passes :func:`affectctl.cli._runs.ensure_runs`; the analyses never import the
    training core). Degeneracy tables are diagnosed here and handed to the writer.
    """
    from affectctl.compare import compare
    from affectctl.io.runs import load_runs

    out_root = contained(out, plan.name, option="name")
    written: dict = {}
    datasets = plan.datasets or tuple(sorted(p.name for p in Path(plan.runs).iterdir() if p.is_dir()))
    folders = dict(plan.folders)
    runsets = {}
    for dataset in datasets:
        if dataset in folders:
            root = Path(folders[dataset])
        elif plan.runs is None:
            if ensure_runs is None:
                raise ConfigError(f"plan '{plan.name}' has no `runs` folder and nothing was given to "
                                  "train its conditions (`ensure_runs`).")
            root = Path(ensure_runs(list(plan.conditions), dataset=dataset, seeds=plan.seeds,
                                    cache=cache, progress=progress))
        else:
            root = Path(plan.runs) / dataset
        runsets[dataset] = load_runs(root, list(plan.conditions), taxonomy=plan.taxonomy)
    others = tuple(c for c in plan.conditions if c != plan.baseline)
    metrics = [m for m in plan.metrics]
    kw = dict(contrasts=plan.extra_contrasts, geometry=plan.geometry, sample_test=plan.sample_test,
              unit=plan.unit, alternative=plan.alternative, correction=plan.correction)
    multi = None
    if len(runsets) >= 2 and metrics:   # several benchmarks: the aggregates over them too
        from affectctl.compare.multi import compare_datasets

        multi = compare_datasets(runsets, plan.baseline, others, metrics=metrics,
                                 n_resamples=plan.permutations, rng=plan.seed, **kw)
        results = multi["results"]
    else:
        results = {ds: compare(rs, plan.baseline, others, metrics=metrics or None,
                               n_resamples=plan.permutations, rng=plan.seed, **kw)
                   for ds, rs in runsets.items()}
    for dataset, result in results.items():
        runset = runsets[dataset]
        folder = out_root / dataset
        if log is not None and result.geometry_choice is not None:
            log(f"{dataset}: geometry {result.geometry_choice.describe()}")
        diagnosis = None
        if any(spec.kind == "degeneracy" for spec in plan.tables):
            from affectctl.diagnose import diagnose

            diagnosis = diagnose(runset, baseline=plan.baseline, interventions=others,
                                 geometry=plan.geometry, rng=plan.seed)
        from affectctl.report import write_plan_tables

        written.update({(dataset, k): v for k, v in write_plan_tables(
            result, plan, folder, diagnosis=diagnosis, figures=plan.figures).items()})
        if log is not None:
            log(f"{dataset}: {len(plan.tables)} tables written to {folder}/")
    if multi is not None:
        written[("all", "aggregates")] = _write_aggregates(plan, multi, out_root)
        if log is not None:
            log(f"all benchmarks: aggregates.json, aggregates.tex and index.html in {out_root}/")
    return written


def _write_aggregates(plan: AnalysisPlan, multi: dict, out_root: Path) -> dict:
    """``aggregates.json``, ``aggregates.tex``, the benchmark figures and ``index.html``."""
    import json

    from affectctl._util.jsonable import plain
    from affectctl.io.atomic import write_text_atomically
    from affectctl.report.benchmarks import aggregates_latex, write_benchmarks_html

    names = list(multi["results"])
    doc = {"plan": plan.name, "datasets": names, "records": multi["records"],
           "aggregates": multi["aggregates"]}
    out = {"aggregates.json": write_text_atomically(
        out_root / "aggregates.json", json.dumps(plain(doc), indent=2, allow_nan=True) + "\n"),
           "aggregates.tex": write_text_atomically(
        out_root / "aggregates.tex", aggregates_latex(multi["aggregates"], names))}
    pngs = []
    if plan.figures:
        from affectctl.report.figures.benchmarks import save_benchmark_figures
        from affectctl.report.figures.save import figure_batch

        with figure_batch():
            figs = save_benchmark_figures(multi["results"], multi["aggregates"], out_root)
        out.update(figs)
        pngs = [p for p in figs.values() if p.suffix == ".png"]
    out["index.html"] = write_benchmarks_html(out_root, multi["results"], multi["aggregates"],
                                              name=plan.name, figures=pngs)
    return out
