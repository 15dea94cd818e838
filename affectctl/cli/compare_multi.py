"""`affectctl compare ... --runs NAME=DIR --runs NAME=DIR`: several benchmarks in one comparison.

One report per dataset (``<out>/<NAME>/``, as a single-dataset compare writes) and
``<out>/aggregates.json``: every per-dataset comparison record with its ``dataset`` and the
aggregates over datasets (:func:`affectctl.compare.multi.compare_datasets`), and the
"All benchmarks" block (:mod:`affectctl.report.benchmarks`) as ``aggregates.tex``,
``<out>/index.html`` (linking the per-dataset pages) and, with figures,
``benchmarks_<a>-vs-<b>.*`` (:mod:`affectctl.report.figures.benchmarks`). The console
shows each dataset's block, then the aggregates. ``--dataset`` repeated trains (or
reuses) each built-in benchmark into ``<cache>/<dataset>/`` first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from affectctl._util.jsonable import plain
from affectctl.errors import ConfigError
from affectctl.cli._app import console, err_console

__all__ = ["parse_dataset_runs", "parse_datasets", "compare_datasets_cli"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_dataset_runs(values) -> "dict | None":
    """``--runs`` values: None for one plain folder (or none), else {NAME: folder}."""
    values = list(values or ())
    if not values or (len(values) == 1 and "=" not in values[0]):
        return None
    out = {}
    for v in values:
        name, sep, folder = v.partition("=")
        if not sep or not folder:
            raise ConfigError(f"--runs {v!r}: with several --runs each must be NAME=DIR "
                              "(e.g. --runs affwild2=runs/aw2 --runs affectnet=runs/an).")
        if not _NAME.match(name):
            raise ConfigError(f"--runs {v!r}: the dataset name must be letters, digits, '_', "
                              "'-' or '.'.")
        if name in out:
            raise ConfigError(f"--runs: dataset name {name!r} is given twice.")
        out[name] = Path(folder)
    if len(out) < 2:
        raise ConfigError(f"--runs {values[0]!r}: NAME=DIR is for several benchmarks; give at "
                          "least two, or a plain folder for one.")
    return out


def parse_datasets(values, *, runs=None) -> "list | None":
    """``--dataset`` values: None for at most one, else the built-in names (checked, in order).

    Several ``--dataset`` train (or reuse from ``<cache>/<dataset>/``) each benchmark and
    then take the path of ``--runs NAME=DIR --runs NAME=DIR``, named by the datasets.
    """
    values = list(values or ())
    if len(values) <= 1:
        return None
    if runs:
        raise ConfigError("give either --dataset (train the built-in benchmarks) or --runs "
                          "(existing runs), not both.")
    from affectctl.train.datasets import DATASETS  # names only: no torch

    for v in values:
        if v not in DATASETS:
            raise ConfigError(f"--dataset {v!r}: not a built-in dataset; choose from "
                              f"{', '.join(sorted(DATASETS))}.")
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        raise ConfigError(f"--dataset {twice[0]!r} is given twice; each benchmark once.")
    return values


def compare_datasets_cli(folders: dict, conditions, *, out: Path, taxonomy, read, figures,
                         as_json, quiet, tests, formats=("png", "pdf"),
                         normalisation: "Path | None" = None, **compare_kw) -> None:
    """Load each dataset's runs, compare per dataset, write the reports and aggregates.json.

    ``normalisation``: a TOML of per-dataset reference scores
    (:mod:`affectctl.io.normalisation`), checked before any dataset is loaded.
    """
    from affectctl.io.normalisation import read_normalisation

    if normalisation is not None:
        reference = read_normalisation(normalisation)
        unknown = sorted(set(reference) - set(folders))
        if unknown:
            raise ConfigError(f"--normalisation {normalisation}: names dataset(s) {unknown} that "
                              f"no --runs NAME=DIR gives (datasets: {sorted(folders)}).")
    from affectctl.compare.multi import compare_datasets
    from affectctl.io.runs import load_runs
    from affectctl.report import write_report

    runsets = {name: load_runs(folder, list(conditions), taxonomy=taxonomy, read=read)
               for name, folder in folders.items()}
    if compare_kw.get("metrics") is None:       # no --metric: compare_datasets' default
        compare_kw.pop("metrics", None)
    res = compare_datasets(runsets, conditions[0], tuple(conditions[1:]),
                           normalisation=normalisation, **compare_kw)
    from affectctl.io.atomic import whole_folder

    n_files = 0
    doc = {"datasets": {n: str(f) for n, f in folders.items()},
           "records": res["records"], "aggregates": res["aggregates"]}
    text = json.dumps(plain(doc), indent=2, allow_nan=True)
    # the whole folder or nothing: the per-dataset reports and the files over them are
    # written into a temporary sibling, renamed onto `out` once all are there
    with whole_folder(out) as tmp:
        for name, result in res["results"].items():
            n_files += len(write_report(result, tmp / name, formats=formats, figures=figures,
                                        tests=tests))
        (tmp / "aggregates.json").write_text(text + "\n")
        _write_all_benchmarks(tmp, res, figures=figures, formats=formats, name=out.name)
    if as_json:
        print(text)
    elif not quiet:
        from affectctl.report.benchmarks import render_benchmarks_console

        render_benchmarks_console(res["results"], res["aggregates"], console, tests=tests,
                                  files_hint=f"{out}/")
    err_console.print(f"affectctl: reports written to {out}/<dataset>/ for "
                      f"{', '.join(folders)} ({n_files} files), and {out}/index.html, "
                      "aggregates.json, aggregates.tex", markup=False)


def _write_all_benchmarks(out: Path, res: dict, *, figures: bool, formats, name: str) -> None:
    """``aggregates.tex``, the per-pair benchmark figures and ``<out>/index.html``."""
    from affectctl.io.atomic import write_text_atomically
    from affectctl.report.benchmarks import aggregates_latex, write_benchmarks_html

    names = list(res["results"])
    write_text_atomically(out / "aggregates.tex", aggregates_latex(res["aggregates"], names))
    pngs = []
    if figures:
        from affectctl.report.figures.benchmarks import save_benchmark_figures
        from affectctl.report.figures.save import figure_batch

        with figure_batch():
            files = save_benchmark_figures(res["results"], res["aggregates"], out,
                                           formats=formats)
        pngs = [p for p in files.values() if p.suffix == ".png"] or [
            p for p in files.values() if p.suffix == ".svg"]
    write_benchmarks_html(out, res["results"], res["aggregates"], name=name, figures=pngs)
