"""``affectctl audit FILE``: validate a prediction file and print its scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..io.schema import exclusion_lines
from ._app import command, console, err_console, flush_warnings


@command("audit", collect_warnings=True)
def audit_cli(
    file: Annotated[Path, typer.Argument(help="Prediction dump (CSV/Parquet), ABAW prediction folder, "
                                              "or ABAW multi-task file.")],
    truth: Annotated[Optional[Path], typer.Option("--truth", help="Annotations: ABAW folder or multi-task "
                                                  "file, or a dataset's file (AffectNet, RAF-DB, FER2013, "
                                                  "FERPlus; see `affectctl formats`).")] = None,
    fmt: Annotated[Optional[list[str]], typer.Option("--format", help="Name the format of FILE and/or "
                                                     "--truth when the header does not (repeatable; "
                                                     "see `affectctl formats`).")] = None,
    mapping: Annotated[Optional[str], typer.Option("--map", help="Class names of another CSV: "
                                                   "'angry=Anger,happy=Happy,...'.")] = None,
    id_column: Annotated[Optional[str], typer.Option("--id", help="Image-id column of FILE.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Truth rows without a prediction are an "
                                         "error, not a warning.")] = False,
    taxonomy: Annotated[Optional[str], typer.Option(help="Label space, e.g. affwild2-expr8, affectnet8; "
                                                    "inferred from p_<Class> columns when omitted.")] = None,
    geometry: Annotated[str, typer.Option(help="Class coordinates: auto (the file's per-class VA means "
                                          "when every class has --geometry-min-samples VA-annotated "
                                          "samples, else nrc-vad), nrc-vad, russell, affectnet-sample, "
                                          "data, or a CSV class,valence,arousal.")] = "auto",
    geometry_min_samples: Annotated[int, typer.Option(help="VA-annotated samples every class needs "
                                                      "before --geometry auto uses the data's "
                                                      "geometry.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    require: Annotated[Optional[list[str]], typer.Option(
        "--require", help="CI gate such as 'expr_macro_f1>=0.40' (repeatable); exit 1 if one fails.")] = None,
    check_submission: Annotated[bool, typer.Option(
        "--check-submission", help="Only check FILE, an ABAW submission folder, against the --truth "
                                   "annotations (every video, its header, its line count, its values); "
                                   "name the first problem and exit 1.")] = False,
) -> None:
    """Validate FILE, print counts, exclusions, official scores, per-class F1, geometry
    metrics and the confusion matrix; warn when the class order looks wrong."""
    if check_submission:
        _check_submission(file, truth)
        return
    from ..audit import audit
    from ..io.paired import read_predictions

    dump = read_predictions(file, truth=truth, format=fmt, taxonomy=taxonomy, mapping=mapping,
                            id_column=id_column, strict=strict)
    report = audit(dump, geometry=geometry, require=require or (),
                   geometry_min_samples=geometry_min_samples)
    flush_warnings()       # the reader's and the metrics' warnings, one line per kind
    for finding in (report.class_order, report.va_order):  # before the tables, which mark the scores
        if finding is not None:
            err_console.print(f"affectctl: warning: {finding.message()}", markup=False)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)
    if report.failed_requirements:
        for r, v in report.failed_requirements:
            value = f"n/a: {report.na_reason(r.metric)}" if v != v else f"value {v:.6g}"
            err_console.print(f"affectctl: requirement failed: {r} ({value})", markup=False)
        raise typer.Exit(code=1)


def _check_submission(folder: Path, truth: Optional[Path]) -> None:
    from ..errors import ConfigError
    from ..io.abaw_export import check_submission

    if truth is None:
        raise ConfigError("`--check-submission` needs the annotations: --truth ANNOTATIONS.")
    problem = check_submission(folder, truth)
    if problem is not None:
        err_console.print(f"affectctl: submission problem: {problem}", markup=False)
        raise typer.Exit(code=1)
    console.print(f"{folder}: the submission matches {truth} (every video, header, line count and "
                  "value).", markup=False, highlight=False)


#: Scores computed from the predicted labels, which a wrong class order corrupts.
_LABEL_SCORES = {"official_score", "abaw3_expr_score", "abaw2_expr_score", "abaw2020_expr_score",
                 "expr_macro_f1", "accuracy", "uar", "cohen_kappa", "mcc", "abaw_mtl_score",
                 "error_distance_mean", "quadrant_preservation", "expected_cost",
                 "confidence_mean", "ece"}


def _matrix_headers(classes, counts, width: int) -> tuple:
    """Column headers of the confusion matrix: full class names when they fit ``width``,
    else the shortest unique prefixes (at least 3 letters) and a key naming them all."""
    classes = list(classes)
    cells = [max(len(str(int(x))) for x in counts[:, j]) for j in range(len(classes))]
    row_label = max(len(c) for c in classes)
    full = row_label + sum(max(len(c), w) + 3 for c, w in zip(classes, cells)) + 4
    if full <= width:
        return classes, []
    heads = []
    for c in classes:
        n = 3
        while n < len(c) and sum(o[:n] == c[:n] for o in classes) > 1:
            n += 1
        heads.append(c[:n])
    return heads, [(h, c) for h, c in zip(heads, classes) if h != c]


def _print_au_table(report) -> None:
    """Per-AU F1 with each AU's annotated and excluded (-1) frames; an annotated AU without
    prediction says so instead of a number."""
    m = report.metrics
    per = Table(title="Action units", header_style="bold")
    for col in ("AU", "annotated", "excluded (-1)", "F1"):
        per.add_column(col, justify="left" if col == "AU" else "right")
    for au, (n_ok, n_ex) in report.au_support.items():
        if n_ok is None:
            per.add_row(au, "", "", "not predicted")
        else:
            per.add_row(au, str(n_ok), str(n_ex), _fmt(m.get(f"au_f1:{au}", float("nan"))))
    console.print(per)
    missing = [a for a, (n, _) in report.au_support.items() if n is None]
    if missing:
        scored = len(report.au_support) - len(missing)
        console.print(f"au_f1_mean: mean F1 over the {scored} predicted AUs, not all "
                      f"{len(report.au_support)}.", markup=False)


def _fmt(v: float) -> str:
    return "n/a" if v != v else f"{v:.4f}"


def _print_report(report) -> None:
    m = report.metrics
    tasks = tuple(report.tasks)
    if "expression" in tasks:
        # the taxonomy and the class geometry concern expression labels only
        what = (f"taxonomy {report.taxonomy}, geometry {report.geometry}"
                + (f" ({report.geometry_reason})" if report.geometry_reason else ""))
    else:
        what = " and ".join({"va": "valence/arousal", "au": "action units"}[t] for t in tasks)
    from rich.markup import escape

    from ..report.escape import for_terminal

    console.print(f"[bold]{escape(for_terminal(report.source))}[/bold]  {what}", highlight=False)
    if report.taxonomy_reason and "expression" in tasks:
        console.print(report.taxonomy_reason, markup=False)
    for line in exclusion_lines(report.exclusions, report.n_samples, tasks=tasks):
        console.print(line, markup=False)
    if report.ignored_columns:
        console.print(f"columns not scored: {sum(report.ignored_columns.values())} ("
                      + ", ".join(f"{g} {n}" for g, n in report.ignored_columns.items()) + ")", markup=False)
    suspect = report.class_order is not None or report.va_order is not None
    scores = Table(title="Scores", show_header=True, header_style="bold")
    scores.add_column("metric")
    scores.add_column("value", justify="right")
    if suspect:
        scores.add_column("", no_wrap=True)
    for key in ("official_score", "abaw3_expr_score", "abaw2_expr_score", "abaw2020_expr_score",
                "expr_macro_f1", "accuracy", "abaw3_va_score",
                "uar", "cohen_kappa", "mcc", "va_ccc_valence", "va_ccc_arousal", "va_ccc_mean",
                "va_ccc_mean_per_video", "va_rmse_valence", "va_rmse_arousal", "au_f1_mean",
                "abaw3_au_score", "abaw2_au_score", "abaw2020_au_score", "abaw_mtl_score", "error_distance_mean",
                "quadrant_preservation", "expected_cost", "confidence_mean", "ece", "expected_cost_votes",
                "ece_votes"):
        if key in m:
            flag = ["! class order?"] if suspect and key in _LABEL_SCORES else ([""] if suspect else [])
            scores.add_row(key, _fmt(m[key]), *flag)
    console.print(scores)
    if suspect:
        console.print("! computed with the class order the file declares, which looks wrong "
                      "(see the warning above).", markup=False)
    if any(k.startswith("f1:") for k in m):
        per = Table(title="Per class", header_style="bold")
        for col in ("class", "support", "F1"):
            per.add_column(col, justify="right" if col != "class" else "left")
        for c in report.classes:
            per.add_row(c, str(report.class_support[c]), _fmt(m[f"f1:{c}"]))
        console.print(per)
        heads, key = _matrix_headers(report.classes, report.confusion.to_numpy(), console.width)
        cm = Table(title="Confusion matrix (rows: true, columns: predicted)", header_style="bold")
        cm.add_column("", no_wrap=True)
        for h in heads:
            cm.add_column(h, justify="right", no_wrap=True)
        for c, row in zip(report.classes, report.confusion.to_numpy()):
            cm.add_row(c, *[str(int(x)) for x in row])
        console.print(cm)
        if key:
            console.print("columns: " + ", ".join(f"{h} = {c}" for h, c in key), markup=False)
    if "au" in tasks and report.au_support:
        _print_au_table(report)
    if m.get("geometry_excluded_errors"):
        console.print(f"geometry metrics leave out {int(m['geometry_excluded_errors'])} errors that "
                      "involve a class without a coordinate.")
    if m.get("expected_cost_excluded_samples"):
        console.print(f"expected_cost leaves out {int(m['expected_cost_excluded_samples'])} samples whose "
                      "true class has no coordinate.")
    for r, v in report.requirements:
        value = f"n/a: {report.na_reason(r.metric)}" if v != v else f"value {_fmt(v)}"
        console.print(f"requirement {r}: {'passed' if r.holds(v) else 'FAILED'} ({value})", markup=False)
