"""`affectctl compare ... --runs NAME=DIR --runs NAME=DIR`: several benchmarks in one comparison.

One report per dataset (``<out>/<NAME>/``, as a single-dataset compare writes) and
``<out>/aggregates.json``: every per-dataset comparison record with its ``dataset`` and the
aggregates over datasets (:func:`affectctl.compare.multi.compare_datasets`). The console
and HTML/LaTeX presentation of the aggregates is not written yet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from affectctl._util.jsonable import plain
from affectctl.errors import ConfigError
from affectctl.cli._app import err_console

__all__ = ["parse_dataset_runs", "compare_datasets_cli"]

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


def compare_datasets_cli(folders: dict, conditions, *, out: Path, taxonomy, read, figures,
                         as_json, quiet, tests, normalisation: "Path | None" = None,
                         **compare_kw) -> None:
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
    res = compare_datasets(runsets, conditions[0], tuple(conditions[1:]),
                           normalisation=normalisation, **compare_kw)
    n_files = 0
    for name, result in res["results"].items():
        n_files += len(write_report(result, out / name, figures=figures, tests=tests))
    doc = {"datasets": {n: str(f) for n, f in folders.items()},
           "records": res["records"], "aggregates": res["aggregates"]}
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plain(doc), indent=2, allow_nan=True)
    (out / "aggregates.json").write_text(text + "\n")
    if as_json:
        print(text)
    elif not quiet:
        for rec in res["aggregates"]:
            if rec["test"] == "stratified_bootstrap":
                err_console.print(
                    f"affectctl: all benchmarks, {rec['a']} - {rec['b']}, {rec['metric']}: "
                    f"mean Δ {rec['delta']:+.4f} [{rec['ci_low']:+.4f}, {rec['ci_high']:+.4f}] "
                    "(stratified bootstrap over seeds)", markup=False)
    err_console.print(f"affectctl: reports written to {out}/<dataset>/ for "
                      f"{', '.join(folders)} ({n_files} files) and {out}/aggregates.json",
                      markup=False)
