"""Write and check ABAW challenge submissions (``affectctl export``, ``audit --check-submission``).

The official layouts are the ones :mod:`affectctl.io.formats.abaw` reads (Kollias, ABAW3 CVPRW
2022 and later editions; the Aff-Wild2 data description; ``shared/DOMAIN.md``):

- ``abaw-expr``: one ``<video>.txt`` per video, first line the class names
  ``Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other`` (ABAW3+, taxonomy
  ``affwild2-expr8``; ABAW2's 7 classes with ``--taxonomy affwild2-expr7``), then one
  integer label per frame, line i + 1 holding frame i;
- ``abaw-va``: header ``valence,arousal``, one ``v,a`` pair per frame;
- ``abaw-au``: header ``AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26``, one
  line of twelve 0/1 values per frame;
- ``abaw-mtl``: one file, header ``image,valence,arousal,expression,aus``, lines
  ``video/00001.jpg,v,a,e,au1,...,au12``.

A frame the dump has no prediction for (no face found) is written as the missing
value of the annotation files, -1 (EXPR, every AU) or -5 (VA), and counted; the ABAW
folder reader leaves such frames out and counts them (``abaw_no_prediction``), so
``affectctl audit`` of the written folder scores exactly the dump's frames. Values
are written so that they read back bit for bit (``repr`` of the float).

Dump ids are ``<video>/<frame>`` with the frame counted from 1 (``video/00012`` or
``video/00012.jpg``), as the ABAW readers write them. The number of frames of each
video is the annotation file's (``--truth``), else the dump's last frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from affectctl.errors import ConfigError, DumpFormatError

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_abaw", "check_submission"]

EXPORT_FORMATS = ("abaw-expr", "abaw-va", "abaw-au", "abaw-mtl")
_ID = re.compile(r"^(?P<video>.+)/(?P<frame>\d+)(\.(jpe?g|png))?$", re.IGNORECASE)
_MISSING = {"expr": -1, "va": -5, "au": -1}


@dataclass
class ExportResult:
    """What :func:`export_abaw` wrote."""

    out: Path
    files: list = field(default_factory=list)
    frames: int = 0
    missing: int = 0
    missing_value: str = ""

    def line(self) -> str:
        what = f"{len(self.files)} file(s), {self.frames} frame(s)"
        miss = (f"; {self.missing} frame(s) the dump lacks written as {self.missing_value}"
                if self.missing else "; every frame has a prediction")
        return f"wrote {what} to {self.out}{miss}."


def _read_source(path: Path, taxonomy):
    """``(ids, expr index or None, va (n, 2) or None, {AU: 0/1} or None, taxonomy)``."""
    from affectctl.domain.taxonomies import canonical_name, get_taxonomy
    from affectctl.io.dumps import read_dump
    from affectctl.io.formats import _is_full_dump
    from affectctl.io.formats.generic import read_dump_predictions

    if _is_full_dump(path):
        d = read_dump(path, taxonomy=taxonomy)
        ids, classes = d.sample_id, d.taxonomy.classes
        y = d.y_pred
        va = d.va_pred
        au = None if d.au_pred is None else {n: d.au_pred[:, j] for j, n in enumerate(d.au_names)}
        default = d.taxonomy if d.taxonomy.name.startswith("affwild2-") else get_taxonomy("affwild2-expr8")
    else:
        p = read_dump_predictions(path)
        ids, classes = p.sample_id, p.classes
        y = None
        if p.proba is not None:
            y = p.proba.argmax(axis=1)
        elif p.y_pred is not None:
            y = p.y_pred
        va = p.va_pred
        au = None if p.au_pred is None else {n: (np.asarray(v) >= 0.5).astype(int) for n, v in p.au_pred.items()}
        default = get_taxonomy("affwild2-expr8")
    target = get_taxonomy(taxonomy) if taxonomy is not None else default
    if y is not None and len(classes):
        cmap = np.array([target.canonical.index(canonical_name(c)) if canonical_name(c) in target.canonical
                         else -1 for c in classes])
        y = np.asarray(y, dtype=np.int64)
        bad = cmap[y] < 0
        if bad.any():
            raise DumpFormatError(f"predicted class {classes[y[np.flatnonzero(bad)[0]]]!r} is not in taxonomy "
                                  f"'{target.name}' of the submission.", file=path)
        y = cmap[y]
    return np.asarray(ids, dtype=object), y, va, au, target


def _frames(ids, path: Path) -> tuple[np.ndarray, np.ndarray]:
    video, frame = [], []
    for i, s in enumerate(ids):
        m = _ID.match(str(s).strip())
        if m is None:
            raise DumpFormatError(f"sample_id {s!r} is not '<video>/<frame>' (frames counted from 1), as an "
                                  "ABAW submission needs.", file=path, column="sample_id")
        video.append(m.group("video"))
        frame.append(int(m.group("frame")))
    frame = np.asarray(frame, dtype=np.int64)
    if (frame < 1).any():
        raise DumpFormatError("frame 0 in a sample_id: ABAW frames are counted from 1.", file=path,
                              column="sample_id")
    return np.asarray(video, dtype=object), frame


def _fmt(v: float) -> str:
    v = float(v)
    return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)


def _lengths(truth, videos, frames) -> dict:
    """``{video: number of frames}``: the annotation files' (``truth``), else the dump's last frame."""
    if truth is None:
        out: dict = {}
        for v, f in zip(videos, frames):
            out[v] = max(out.get(v, 0), int(f))
        return dict(sorted(out.items()))
    truth = Path(truth)
    files = sorted(truth.glob("*.txt")) if truth.is_dir() else [truth]
    if not files:
        raise DumpFormatError("holds no <video>.txt annotation files.", file=truth)
    out = {}
    for f in files:
        with open(f, "rb") as fh:
            n = sum(1 for ln in fh if ln.strip()) - 1
        out[f.stem] = max(n, 0)
    return out


def export_abaw(dump, fmt: str, out, *, truth=None, taxonomy=None) -> ExportResult:
    """Write a dump's predictions as an ABAW submission (see the module docstring).

    Parameters
    ----------
    dump : path
        A dump (CSV/Parquet) with or without ``y_true``; ids ``<video>/<frame>``.
    fmt : {"abaw-expr", "abaw-va", "abaw-au", "abaw-mtl"}
    out : path
        Folder to write into (created; existing ``<video>.txt`` files are replaced).
    truth : path, optional
        The annotation folder (or, for ``abaw-mtl``, file) whose videos and frame counts
        the submission must match; frames of it the dump lacks are written missing.
    taxonomy : str, optional
        ``affwild2-expr8`` (default) or ``affwild2-expr7`` for ``abaw-expr``/``abaw-mtl``.
    """
    from affectctl.io.schema import ABAW_AUS

    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"`--format` must be one of {list(EXPORT_FORMATS)}; got {fmt!r}.")
    path = Path(dump)
    ids, y, va, au, tax = _read_source(path, taxonomy)
    if not tax.name.startswith("affwild2-"):
        raise ConfigError(f"an ABAW submission uses Aff-Wild2's classes (taxonomy affwild2-expr8 or "
                          f"affwild2-expr7), not '{tax.name}'.")
    task = fmt.split("-", 1)[1]
    need = {"expr": ("expr",), "va": ("va",), "au": ("au",), "mtl": ("expr", "va", "au")}[task]
    if "expr" in need and y is None:
        raise DumpFormatError("has no expression predictions (y_pred or p_<Class>).", file=path, column="y_pred")
    if "va" in need and va is None:
        raise DumpFormatError("has no valence/arousal predictions.", file=path, column="v_pred")
    if "au" in need:
        lacking = [a for a in ABAW_AUS if au is None or a not in au]
        if lacking:
            raise DumpFormatError(f"has no prediction for {', '.join(lacking)}; an ABAW AU submission needs "
                                  f"all 12 ({', '.join(ABAW_AUS)}).", file=path,
                                  column=f"au{lacking[0][2:]}_pred")
    videos, frames = _frames(ids, path)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    res = ExportResult(out=out)
    if task == "mtl":
        return _export_mtl(out, res, videos, frames, y, va, au, truth, ABAW_AUS)
    lengths = _lengths(truth, videos, frames)
    known = np.array([v in lengths and f <= lengths[v] for v, f in zip(videos, frames)])
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        raise DumpFormatError(f"sample {ids[i]!r} has no frame in the annotations ({truth}).", file=path,
                              column="sample_id")
    if task == "expr":
        header, values, miss = ",".join(tax.classes), y.reshape(-1, 1).astype(float), "-1"
    elif task == "va":
        header, values, miss = "valence,arousal", np.asarray(va, dtype=float), "-5,-5"
    else:
        header = ",".join(ABAW_AUS)
        values, miss = np.column_stack([au[a] for a in ABAW_AUS]).astype(float), ",".join(["-1"] * 12)
    res.missing_value = miss
    by_video: dict = {}
    for i, (v, f) in enumerate(zip(videos, frames)):
        by_video.setdefault(v, {})[int(f)] = i
    for v, n in lengths.items():
        rows = by_video.get(v, {})
        lines = [header]
        for f in range(1, n + 1):
            i = rows.get(f)
            if i is None:
                lines.append(miss)
                res.missing += 1
            else:
                lines.append(",".join(_fmt(x) for x in values[i]))
        target = out / f"{v}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res.files.append(target)
        res.frames += n
    return res


def _export_mtl(out, res, videos, frames, y, va, au, truth, aus) -> ExportResult:
    from affectctl.io.formats.abaw import MTL_HEADER, _read_mtl

    images = [f"{v}/{f:05d}.jpg" for v, f in zip(videos, frames)]
    pos = {img: i for i, img in enumerate(images)}
    if truth is not None:
        order = list(_read_mtl(Path(truth))["image"])
    else:
        order = [images[i] for i in np.lexsort((frames, videos))]
    res.missing_value = "-5,-5,-1," + ",".join(["-1"] * len(aus))
    lines = [MTL_HEADER]
    for img in order:
        i = pos.get(img)
        if i is None:
            lines.append(f"{img},{res.missing_value}")
            res.missing += 1
        else:
            lines.append(",".join([img, _fmt(va[i, 0]), _fmt(va[i, 1]), str(int(y[i]))]
                                  + [str(int(au[a][i])) for a in aus]))
    target = out / "predictions.txt"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res.files.append(target)
    res.frames = len(order)
    return res


def check_submission(folder, annotations) -> "str | None":
    """The first problem of an ABAW submission against the annotations, or None.

    Checked in order, per annotation file (sorted by name): the video's prediction file
    exists; its header is the annotation file's (the official header of the task); it
    has as many frame lines as the annotation file; every value is one the task allows
    (a class index or -1; valence/arousal in [-1, 1] or -5; AU 0/1 or -1). For a
    multi-task submission (``annotations`` a file): the header, then every annotated
    image on a line of its own.
    """
    from affectctl.io.formats.abaw import MTL_HEADER, _read_mtl

    folder, annotations = Path(folder), Path(annotations)
    if annotations.is_file():
        sub = folder / "predictions.txt" if folder.is_dir() else folder
        if not sub.is_file():
            return f"{sub}: missing (the multi-task submission is one file)."
        with open(sub, encoding="utf-8", errors="replace") as fh:
            first = fh.readline().strip()
        if first.replace(" ", "") != MTL_HEADER:
            return f"{sub}, line 1: wrong header {first!r} (expected {MTL_HEADER!r})."
        try:
            got = set(_read_mtl(sub)["image"])
        except DumpFormatError as exc:
            return str(exc)
        for img in _read_mtl(annotations)["image"]:
            if img not in got:
                return f"{sub}: no line for image {img!r} of the annotations."
        return None
    if not folder.is_dir():
        return f"{folder}: not a folder of <video>.txt files."
    ann_files = sorted(annotations.glob("*.txt"))
    if not ann_files:
        return f"{annotations}: holds no <video>.txt annotation files."
    for ann in ann_files:
        sub = folder / ann.name
        if not sub.is_file():
            return f"{sub}: missing video {ann.stem!r} (annotated in {ann})."
        a_lines = [ln.strip() for ln in ann.read_text(encoding="utf-8", errors="replace").splitlines()]
        s_lines = [ln.strip() for ln in sub.read_text(encoding="utf-8", errors="replace").splitlines()]
        while a_lines and not a_lines[-1]:
            a_lines.pop()
        while s_lines and not s_lines[-1]:
            s_lines.pop()
        if not s_lines or s_lines[0].replace(" ", "") != a_lines[0].replace(" ", ""):
            got = s_lines[0] if s_lines else ""
            return f"{sub}, line 1: wrong header {got!r} (expected {a_lines[0]!r})."
        if len(s_lines) != len(a_lines):
            return (f"{sub}: {len(s_lines) - 1} frame line(s), the annotation file {ann} has "
                    f"{len(a_lines) - 1}.")
        problem = _bad_value(a_lines[0].split(","), s_lines[1:])
        if problem is not None:
            line, what = problem
            return f"{sub}, line {line}: {what}"
    return None


def _bad_value(header: list, lines: list) -> "tuple[int, str] | None":
    low = [h.strip().lower() for h in header]
    if low == ["valence", "arousal"]:
        width, ok = 2, lambda x: x == -5 or -1 <= x <= 1
        allowed = "valence/arousal in [-1, 1] or -5"
    elif all(h.startswith("au") for h in low):
        width, ok, allowed = len(low), (lambda x: x in (0, 1, -1)), "AU values 0, 1 or -1"
    else:
        k = len(low)
        width, ok, allowed = 1, (lambda x: x == -1 or (x == int(x) and 0 <= x < k)), f"a class 0-{k - 1} or -1"
    for j, ln in enumerate(lines):
        parts = ln.split(",")
        if len(parts) != width:
            return j + 2, f"{len(parts)} value(s), expected {width}."
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            return j + 2, f"non-numeric value in {ln!r}."
        if not all(ok(x) for x in vals):
            return j + 2, f"{ln!r} is not {allowed}."
    return None
