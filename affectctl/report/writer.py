"""Write a comparison's report folder: tables, results JSON and figures, each atomically."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Sequence

from affectctl._util.validation import sample_test_record
from affectctl.errors import ConfigError
from affectctl.io.atomic import whole_folder, write_text_atomically
from affectctl.report.latex import to_latex
from affectctl.report.markdown import to_csv, to_markdown
from affectctl.report.formatting import TEST_NAMES_IN_TEXT
from affectctl.report.tables import (
    comparison_table,
    compact_table,
    degeneracy_table,
    full_table,
    main_table,
)

__all__ = ["write_report", "write_paper_tables", "write_plan_tables", "write_table",
           "write_geometry_sensitivity", "write_diagnosis"]


def _write_provenance(out_dir: Path, document: str) -> Path:
    """``provenance.json`` beside ``document``: the time, interpreter and library versions of
    this run (:func:`affectctl._util.provenance.run_record`), kept out of the deterministic document."""
    import json

    from affectctl._util.provenance import run_record

    return write_text_atomically(out_dir / "provenance.json",
                                 json.dumps(run_record(document), indent=2) + "\n")


def _warn_unsettable(names, files: str) -> None:
    """One warning when names hold characters pdflatex cannot set (written as ``U+XXXX``)."""
    import warnings

    from affectctl.errors import InputWarning
    from affectctl.report.escape import latex_unsettable

    bad = {n: latex_unsettable(n) for n in dict.fromkeys(map(str, names))}
    bad = {n: chars for n, chars in bad.items() if chars}
    if not bad:
        return
    chars = list(dict.fromkeys(c for cs in bad.values() for c in cs))
    shown = ", ".join(f"U+{ord(c):04X}" for c in chars[:8]) + (" ..." if len(chars) > 8 else "")
    warnings.warn(f"{files}: {len(bad)} name(s) hold characters pdflatex cannot set in its default "
                  f"fonts ({', '.join(repr(n) for n in list(bad)[:5])}); they are written as {shown} "
                  "so the tables compile; give the conditions Latin names for a paper.",
                  InputWarning, stacklevel=3)


def _write_figures(result, sens, out_dir: Path, formats, progress, first=None) -> dict:
    """Every figure of a comparison's report, each drawn and written by a task of
    :func:`affectctl._util.forked.run_forked` (on every usable core: drawing and writing
    the figures is most of a small report's time): ``({file name: Path}, extra)``, the files
    in figure order after those of ``first()``, a task run beside them (the tables) when
    given, which returns ``(files, extra)``; ``extra`` None without ``first``."""
    from affectctl._util.forked import run_forked
    from affectctl.report.figures.comparison import figure_parts
    from affectctl.report.figures.save import load_backends
    from affectctl.report.figures.single import single_run_figure_parts

    parts = []
    if sens is not None:
        from affectctl.report.figures.geometry_overlay import write_geometry_figure

        parts.append(("geometry_overlay", partial(write_geometry_figure, sens, out_dir,
                                                  formats=tuple(formats))))
    parts += figure_parts(result, out_dir, formats)
    # one run per condition: per-class F1 differences with CIs instead of paired seeds
    parts += single_run_figure_parts(result, out_dir, formats)
    load_backends(formats)   # once, before the workers fork
    done = 0
    tasks = [draw for _, draw in parts]
    lead = [first] if first is not None else []

    def tick(i: int) -> None:
        nonlocal done
        if i < len(lead):
            return                                  # not a figure
        done += 1
        if progress is not None:
            progress(done, len(parts), parts[i - len(lead)][0])

    outcomes = run_forked(lead + tasks, on_done=tick)
    extra = None
    written: dict = {}
    if lead:
        first_files, extra = outcomes[0]
        written.update(first_files)
    for files in outcomes[len(lead):]:
        written.update(files)
    return written, extra


def _figures_batch(figures: bool, progress=None):
    """The figures written in the block, drawn here and written on every core at its end
    (:func:`affectctl.report.figures.save.figure_batch`); nothing without ``figures``."""
    if not figures:
        from contextlib import nullcontext

        return nullcontext()
    from affectctl.report.figures.save import figure_batch

    return figure_batch(progress=progress)


def _label(name: str) -> str:
    return "tab:" + re.sub(r"[^A-Za-z0-9:.-]+", "-", name).strip("-")


def write_table(table, out_dir, stem: str, *, caption: str | None = None,
                label: str | None = None) -> dict:
    """Write ``<stem>.md``, ``<stem>.tex`` and ``<stem>.csv`` atomically.

    Parameters
    ----------
    table : DataFrame
        From :func:`~affectctl.report.tables.main_table`,
        :func:`~affectctl.report.tables.comparison_table` or
        :func:`~affectctl.report.tables.degeneracy_table`.
    out_dir : str or Path
    stem : str
        File name without extension.
    caption, label : str, optional
        Caption (Markdown and LaTeX) and LaTeX label (default ``tab:<stem>``).

    Returns
    -------
    dict
        ``{file name: Path}``.
    """
    out_dir = Path(out_dir)
    out = {}
    for ext, text in (("md", to_markdown(table, caption=caption)),
                      ("tex", to_latex(table, caption=caption, label=label or _label(stem))),
                      ("csv", to_csv(table))):
        path = write_text_atomically(out_dir / f"{stem}.{ext}", text)
        out[path.name] = path
    return out


def write_geometry_sensitivity(sens, out_dir, *, figures: bool = True,
                               formats: Sequence[str] = ("pdf", "png")) -> dict:
    """Write ``geometry_sensitivity.csv`` and the ``geometry_overlay`` figure atomically.

    Parameters
    ----------
    sens : GeometrySensitivity or None
        :attr:`ComparisonResult.geometry_sensitivity` or
        :attr:`DiagnosisResult.geometry_sensitivity`; None writes nothing.
    out_dir : str or Path
    figures : bool, default True
    formats : sequence of str, default ("pdf", "png")

    Returns
    -------
    dict
        ``{file name: Path}``.
    """
    if sens is None:
        return {}
    out_dir = Path(out_dir)
    path = write_text_atomically(out_dir / "geometry_sensitivity.csv", to_csv(sens.records))
    written = {path.name: path}
    if figures:
        from affectctl.report.figures.geometry_overlay import write_geometry_figure

        written.update(write_geometry_figure(sens, out_dir, formats=tuple(formats)))
    return written


def write_report(result, out_dir, *, name: str | None = None,
                 formats: Sequence[str] = ("pdf", "png"), figures: bool = True,
                 tests: Sequence[str] = ("wilcoxon", "signflip"), alpha: float = 0.05,
                 html: bool = True, progress=None) -> dict:
    """Write the report of a comparison into ``out_dir``.

    Parameters
    ----------
    result : ComparisonResult
    out_dir : str or Path
        Created if needed; existing files of the same name are replaced.
    name : str, optional
        Report name, used in the table caption and LaTeX label (default: the folder name).
    formats : sequence of str, default ("pdf", "png")
        Figure formats (see :func:`~affectctl.report.figures.save_figures`).
    figures : bool, default True
        Write the figures.
    tests : sequence of str, default ("wilcoxon", "signflip")
        Tests shown in the main table.
    alpha : float, default 0.05
    html : bool, default True
        Also write ``index.html`` (:func:`affectctl.report.html.write_html`).
    progress : callable, optional
        ``progress(done, total, name)`` as figures are written.

    Returns
    -------
    dict
        ``{file name: Path}``: ``table.md`` and ``table.csv`` (the main table, every
        row and test), ``table.tex`` (the compact table for a paper column),
        ``table_full.tex``/``.md``/``.csv`` (the full statistics), ``results.json``,
        ``per_group.csv`` and ``reliability.csv`` (the per-video view, when the runs
        have groups / probabilities), with ``figures`` every figure file, and with
        ``html`` ``index.html``.

    Notes
    -----
    The report is written whole (:func:`affectctl.io.atomic.whole_folder`): into a
    temporary sibling folder, renamed onto ``out_dir`` when complete, under an exclusive
    lock on ``out_dir`` (a second writer gets a one-line error naming the holder's pid).
    ``out_dir`` holds the previous report until then; a folder holding anything but
    report files is refused, never replaced.
    """
    if not hasattr(result, "to_json"):
        raise ConfigError(f"`result` must be a ComparisonResult; got {type(result).__name__}.")
    target = Path(out_dir)
    name = name or target.resolve().name
    with whole_folder(target) as tmp:
        written = _write_report(result, tmp, name=name, formats=formats, figures=figures,
                                tests=tests, alpha=alpha, html=html, progress=progress)
    return _moved(written, tmp, target)


def _moved(written, tmp: Path, target: Path):
    """``written`` (paths under ``tmp``, possibly nested in dicts) as paths under ``target``."""
    if isinstance(written, dict):
        return {k: _moved(v, tmp, target) for k, v in written.items()}
    if isinstance(written, list):
        return [_moved(v, tmp, target) for v in written]
    return target / Path(written).relative_to(tmp)


def _write_report(result, out_dir: Path, *, name, formats, figures, tests, alpha, html,
                  progress) -> dict:
    _warn_unsettable([name, *result.conditions], "table.tex, table_full.tex")
    sens = getattr(result, "geometry_sensitivity", None)
    tables = partial(_write_tables, result, out_dir, name=name, tests=tests, alpha=alpha,
                     sens=sens, html=html)
    # with figures, the tables (and the page's parts without figures) are one more task
    # beside them (on every core); only the figures are left to embed at the end
    written, parts = _write_figures(result, sens, out_dir, formats, progress, first=tables) \
        if figures else tables()
    if html:
        from affectctl.report.html import write_html

        written.update(write_html(result, out_dir, name=name, tests=tests, alpha=alpha,
                                  files=written, parts=parts))
    return written


def _write_tables(result, out_dir: Path, *, name, tests, alpha, sens, html=False) -> tuple:
    """The tables (Markdown, CSV, LaTeX), ``results.json`` with its provenance, the
    per-video CSVs and the geometry-sensitivity table: ``({file name: Path}, parts)``,
    ``parts`` the parts of ``index.html`` without its figures (with ``html``, else None;
    :func:`~affectctl.report.html.comparison_html_parts`). The tables are built once for
    all their formats (:func:`~affectctl.report.tables.reuse_tables`)."""
    from affectctl.report.tables import reuse_tables

    with reuse_tables():
        written = _write_table_files(result, out_dir, name=name, tests=tests, alpha=alpha,
                                     sens=sens)
        parts = None
        if html:
            from affectctl.report.html import comparison_html_parts

            parts = comparison_html_parts(result, tests=tests, alpha=alpha)
    return written, parts


def _write_table_files(result, out_dir: Path, *, name, tests, alpha, sens) -> dict:
    table = main_table(result, tests=tests, alpha=alpha)
    caption = (f"{name}: {', '.join(c for c in result.conditions if c != result.baseline)} "
               f"against {result.baseline}")
    written = {}
    for ext, text in (("md", to_markdown(table, caption=caption)), ("csv", to_csv(table))):
        path = write_text_atomically(out_dir / f"table.{ext}", text)
        written[path.name] = path
    written.update(write_paper_tables(result, out_dir, name=name, tests=tests, alpha=alpha))
    path = write_text_atomically(out_dir / "results.json", result.to_json(indent=2) + "\n")
    written[path.name] = path
    for stem in ("per_group", "reliability"):       # the per-video view's tables
        frame = getattr(result, stem, None)
        if frame is not None and len(frame):
            path = write_text_atomically(out_dir / f"{stem}.csv",
                                         to_csv(frame))
            written[path.name] = path
    path = _write_provenance(out_dir, "results.json")
    written[path.name] = path
    written.update(write_geometry_sensitivity(sens, out_dir, figures=False))
    return written


def _primary_caption(primary) -> str:
    if not primary:
        return ""
    return f"; Δ marked by the {TEST_NAMES_IN_TEXT.get(primary, primary)} test (adjusted p)"


def write_paper_tables(result, out_dir, *, name: str,
                       tests: Sequence[str] = ("wilcoxon", "signflip", "ar"),
                       alpha: float = 0.05) -> dict:
    r"""Write ``table.tex`` (compact, ``\columnwidth``) and ``table_full.tex``/``.md``/``.csv``.

    Returns
    -------
    dict
        ``{file name: Path}``.
    """
    from affectctl.report.latex import to_latex_compact, to_latex_full

    out_dir = Path(out_dir)
    others = ", ".join(c for c in result.conditions if c != result.baseline)
    # the primary test: the first of the shown tests, then the sample-level ones, that can
    # reach alpha
    compact = compact_table(result, tests=tuple(dict.fromkeys((*tests, "ar", "bootstrap"))),
                            alpha=alpha)
    full = full_table(result, alpha=alpha)
    cap = f"{name}: {others} against {result.baseline}"
    full_label = _label(name) + "-full"
    written = {}
    texts = {
        "table.tex": to_latex_compact(compact, caption=cap + _primary_caption(
            compact.attrs.get("primary")), label=_label(name)),
        "table_full.tex": to_latex_full(full, caption=f"{cap}: every test", label=full_label),
        "table_full.md": to_markdown(full, caption=f"{cap}: every test"),
        "table_full.csv": to_csv(full),
    }
    for fname, text in texts.items():
        path = write_text_atomically(out_dir / fname, text)
        written[path.name] = path
    return written


def write_plan_tables(result, plan, out_dir, *, diagnosis=None, figures: bool = True,
                      formats: Sequence[str] = ("pdf", "png"), html: bool = True) -> dict:
    """Write the tables an analysis plan asks for, for one dataset.

    Parameters
    ----------
    result : ComparisonResult
        ``compare`` run with the plan's conditions and contrasts.
    plan : AnalysisPlan
        :func:`affectctl.report.plans.load_plan`.
    out_dir : str or Path
    diagnosis : DiagnosisResult, optional
        :func:`affectctl.diagnose.diagnose` of the same runs; needed by degeneracy
        tables (the plan runner computes it: the report layer computes nothing).
    figures : bool, default True
        Also write the comparison figures (under the key ``"figures"``).
    formats : sequence of str, default ("pdf", "png")
    html : bool, default True
        Also write ``index.html`` (under the key ``"html"``).

    Returns
    -------
    dict
        ``{table name: {file name: Path}}``, plus ``"results"`` (``results.json``),
        with ``figures`` ``"figures"`` and with ``html`` ``"html"``.

    Notes
    -----
    A comparison table shows the tests its spec names plus the plan's sample-level
    test (every test the plan ran). A metric equal to an earlier one in every run
    (``expr_macro_f1`` when the official score is ``abaw3_expr_score``) appears once,
    its alias named in the caption and the notes.
    """
    target = Path(out_dir)
    with whole_folder(target, option="name") as tmp:
        written = _write_plan_tables(result, plan, tmp, diagnosis=diagnosis, figures=figures,
                                     formats=formats, html=html)
    return _moved(written, tmp, target)


def _write_plan_tables(result, plan, out_dir: Path, *, diagnosis, figures, formats, html) -> dict:
    written: dict = {}
    html_tables = {}
    _warn_unsettable([plan.name, *result.conditions, *(t.name for t in plan.tables)],
                     "the plan's .tex tables")
    present = set(result.comparisons["test"]) if len(result.comparisons) else set()
    sample_test = getattr(plan, "sample_test", None)
    sample_test = sample_test_record(sample_test) if sample_test else sample_test
    for spec in plan.tables:
        caption = spec.caption or None
        if spec.kind == "comparison":
            # every test the plan ran, the sample-level one included
            tests = list(spec.tests) + [t for t in (sample_test,)
                                        if t and t in present and t not in spec.tests]
            table = comparison_table(result, spec.metrics, pairs=spec.pairs, tests=tests)
            aliases = table.attrs.get("aliases", {})
            if aliases:
                from affectctl.report.formatting import metric_label

                same = "; ".join(f"{metric_label(k, arrow=False)} = "
                                 f"{metric_label(d, arrow=False)}" for d, k in aliases.items())
                caption = (caption or spec.name).rstrip(".") + f" ({same}, shown once)."
        elif spec.kind == "degeneracy":
            if diagnosis is None:
                raise ConfigError(f"table '{spec.name}' is a degeneracy table: pass the diagnosis "
                                  "of the runs (`diagnosis=`).")
            table = degeneracy_table(diagnosis)
        else:
            raise ConfigError(f"table '{spec.name}': unknown kind {spec.kind!r}.")
        html_tables[spec.name] = (table, caption)
        written[spec.name] = write_table(table, out_dir, spec.name, caption=caption,
                                         label=_label(f"{plan.name}-{spec.name}"))
    path = write_text_atomically(out_dir / "results.json", result.to_json(indent=2) + "\n")
    written["results"] = {path.name: path, "provenance.json": _write_provenance(out_dir, "results.json")}
    with _figures_batch(figures):
        sens = write_geometry_sensitivity(getattr(result, "geometry_sensitivity", None), out_dir,
                                          figures=figures, formats=formats)
        if sens:
            written["geometry_sensitivity"] = sens
        if figures:
            from affectctl.report.figures import save_figures

            written["figures"] = save_figures(result, out_dir, formats=formats)
    if html:
        from affectctl.report.html import write_plan_html

        files = [p for group in written.values() for p in group.values()]
        written["html"] = write_plan_html(plan, out_dir, html_tables, files)
    return written


def write_diagnosis(result, out_dir: "str | Path", *, projection=None, figures: bool = True) -> list:
    """Write the folder of ``affectctl diagnose``, each file atomically; return the paths.

    ``pairs.csv``, ``persistence.csv``, ``per_seed.csv``, ``by_condition.csv`` (and
    ``representation.csv`` when the result has one), ``diagnosis.json``, the geometry
    sensitivity table and figure, the diagnosis figures (``figures=True``; the embedding
    ``projection`` when given) and ``index.html``.

    Parameters
    ----------
    result : DiagnosisResult
        :func:`affectctl.diagnose.diagnose`.
    out_dir : str or Path
        Created if needed.
    projection : Projection, optional
        :func:`affectctl.controls.representation.project_embedding` of the baseline.
    figures : bool, default True
    """
    target = Path(out_dir)
    with whole_folder(target) as tmp:
        paths = _write_diagnosis(result, tmp, name=f"diagnose: {target.name}",
                                 projection=projection, figures=figures)
    return _moved(paths, tmp, target)


def _write_diagnosis(result, out_dir: Path, *, name, projection, figures) -> list:
    import json

    frames = [("pairs", result.pairs), ("persistence", result.persistence),
              ("per_seed", result.per_seed), ("by_condition", result.by_condition)]
    if result.representation is not None:
        frames.append(("representation", result.representation))
    paths = [write_text_atomically(out_dir / f"{name}.csv", to_csv(frame))
             for name, frame in frames]
    paths.append(write_text_atomically(out_dir / "diagnosis.json",
                                       json.dumps(result.to_dict(), indent=2)))
    paths.append(_write_provenance(out_dir, "diagnosis.json"))
    with _figures_batch(figures):
        paths += list(write_geometry_sensitivity(result.geometry_sensitivity, out_dir,
                                                 figures=figures).values())
        if figures:
            from affectctl.report.figures.diagnose import write_diagnose_figures

            paths += write_diagnose_figures(result, out_dir, projection=projection)
    from affectctl.report.html import write_diagnose_html

    paths += list(write_diagnose_html(result, out_dir, name=name, files=paths).values())
    return paths
