"""ABAW readers: per-video annotation/prediction folders and the multi-task single file.

- ABAW annotation/prediction folders: one ``<video>.txt`` per video, a header line
  (``valence,arousal``; the class list; or the AU list), then line i+1 holds frame i;
- the ABAW multi-task single file: header ``image,valence,arousal,expression,aus``,
  lines ``video/00001.jpg,v,a,e,au1,...,au12``.

Predictions and annotations are paired frame by frame (folders) or by image name
(multi-task file). Sample ids are ``<video>/<frame:05d>`` (folders) or the image
name (multi-task), and the video is the ``group``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .dumps import dump_from_frame
from ..errors import DumpFormatError, InputWarning
from .schema import ABAW_AUS, EXPR_EXCLUDED, Dump
from ..taxonomies import canonical_name, get_taxonomy, infer_taxonomy

__all__ = ["read_abaw_folders", "read_abaw_mtl", "is_abaw_mtl", "MTL_HEADER"]

MTL_HEADER = "image,valence,arousal,expression,aus"


def _read_txt(path: Path) -> tuple[list[str], np.ndarray]:
    """Header fields and the numeric body of one ABAW per-video file.

    EXPR files have the class list as header but one value per line; VA and AU
    files have one value per header field.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DumpFormatError(f"cannot read ({exc.strerror}).", file=path) from None
    if b"\x00" in raw[:4096]:
        raise DumpFormatError("binary data where a text file was expected.", file=path)
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if not lines or not lines[0].strip():
        raise DumpFormatError("file is empty or has no header line.", file=path)
    header = [h.strip() for h in lines[0].split(",")]
    width = 1 if _task(header, path) == "expr" else len(header)
    body = lines[1:]
    while body and not body[-1].strip():
        body.pop()
    if not body:
        raise DumpFormatError("has a header but no frames.", file=path)
    values = np.empty((len(body), width), dtype=np.float64)
    for i, ln in enumerate(body):
        parts = ln.split(",")
        if len(parts) != width:
            raise DumpFormatError(f"expected {width} value(s), found {len(parts)}.", file=path, row=i + 2)
        try:
            values[i] = [float(p) for p in parts]
        except ValueError:
            raise DumpFormatError(f"non-numeric value in {ln.strip()!r}.", file=path, row=i + 2) from None
    return header, values


def _task(header: list[str], path: Path) -> str:
    low = [h.lower() for h in header]
    if low == ["valence", "arousal"]:
        return "va"
    if all(h.startswith("au") for h in low):
        return "au"
    try:
        [canonical_name(h) for h in header]
    except Exception:
        raise DumpFormatError(f"header {','.join(header)!r} is neither 'valence,arousal', a class "
                              "list nor an AU list.", file=path, row=1) from None
    return "expr"


def read_abaw_folders(predictions: "str | Path", annotations: "str | Path", *, taxonomy=None) -> Dump:
    """Pair an ABAW prediction folder with its annotation folder (one task).

    Every annotation file must have a prediction file of the same name and the same
    number of frames. Unannotated frames (-1 expression/AU, -5 VA) are kept and
    counted as exclusions.
    """
    pred_dir, ann_dir = Path(predictions), Path(annotations)
    for d in (pred_dir, ann_dir):
        if not d.is_dir():
            raise DumpFormatError("is not a folder of per-video .txt files.", file=d)
    ann_files = sorted(ann_dir.glob("*.txt"))
    if not ann_files:
        raise DumpFormatError("holds no .txt annotation files.", file=ann_dir)
    unmatched = sorted(p.name for p in pred_dir.glob("*.txt") if not (ann_dir / p.name).is_file())
    if unmatched:
        shown = ", ".join(unmatched[:3]) + (f", ... ({len(unmatched) - 3} more)" if len(unmatched) > 3 else "")
        warnings.warn(f"{pred_dir}: {len(unmatched)} of {len(unmatched) + len(ann_files)} prediction files "
                      f"have no annotation file in {ann_dir} and are left out of the audit: {shown}.",
                      InputWarning, stacklevel=2)
    frames, ann_src, pred_src = [], [], []
    task = None
    for ann in ann_files:
        pred = pred_dir / ann.name
        if not pred.is_file():
            raise DumpFormatError(f"no prediction file for video {ann.stem!r}.", file=pred)
        h_ann, v_ann = _read_txt(ann)
        h_pred, v_pred = _read_txt(pred)
        t = _task(h_ann, ann)
        if task is None:
            task, header = t, h_ann
        elif t != task or h_ann != header:
            raise DumpFormatError(f"header differs from the other annotation files ({','.join(header)}).",
                                  file=ann, row=1)
        if [h.lower() for h in h_pred] != [h.lower() for h in h_ann]:
            raise DumpFormatError(f"header {','.join(h_pred)!r} does not match the annotations' "
                                  f"{','.join(h_ann)!r}.", file=pred, row=1)
        if len(v_pred) != len(v_ann):
            raise DumpFormatError(f"has {len(v_pred)} frames but the annotation file has {len(v_ann)}.",
                                  file=pred)
        n = len(v_ann)
        ann_src += [(ann, i + 2) for i in range(n)]
        pred_src += [(pred, i + 2) for i in range(n)]
        cols = {"sample_id": [f"{ann.stem}/{i + 1:05d}" for i in range(n)], "group": ann.stem}
        if task == "va":
            cols.update(v_true=v_ann[:, 0], a_true=v_ann[:, 1], v_pred=v_pred[:, 0], a_pred=v_pred[:, 1],
                        y_true=EXPR_EXCLUDED, y_pred=0)
        elif task == "expr":
            cols.update(y_true=v_ann[:, 0], y_pred=v_pred[:, 0])
        else:
            cols.update(y_true=EXPR_EXCLUDED, y_pred=0)
            for j, name in enumerate(h_ann):
                num = name.upper().removeprefix("AU")
                cols[f"au{num}_true"] = v_ann[:, j]
                cols[f"au{num}_pred"] = v_pred[:, j]
        frames.append(pd.DataFrame(cols))
    frame = pd.concat(frames, ignore_index=True)
    if taxonomy is None:
        taxonomy = infer_taxonomy(header) if task == "expr" else get_taxonomy("affwild2-expr8")
    dump = _validated(frame, taxonomy, pred_dir, ann_src, pred_src,
                      {"format": f"abaw-{task}-folders", "annotations": str(ann_dir)})
    if task != "expr":
        # the placeholder labels above are not annotations: the file has no expression task
        dump.exclusions.pop("expr", None)
    return dump


def _validated(frame: pd.DataFrame, taxonomy, source: Path, ann_src: list, pred_src: list,
               metadata: dict) -> Dump:
    """Validate the merged table, reporting a bad value at its own ``.txt`` file and line.

    ``ann_src[i]`` / ``pred_src[i]`` are the (file, line) that row ``i`` of ``frame`` came
    from in the annotations / predictions; ``*_true`` columns come from the former.
    """
    try:
        return dump_from_frame(frame, taxonomy=taxonomy, source=str(source), metadata=metadata)
    except DumpFormatError as exc:
        if exc.row is None or exc.column is None:
            raise
        i = exc.row - 2
        col = str(exc.column)
        file, line = (ann_src if col.endswith("_true") else pred_src)[i]
        raise DumpFormatError(exc.reason, file=file, row=line, column=_abaw_field(col)) from None


def _abaw_field(column: str) -> str:
    """The ABAW file's own name for a dump column (``v_true`` → ``valence``, ``au12_pred`` → ``AU12``)."""
    if not column.endswith(("_true", "_pred")):
        return column
    base = column.rsplit("_", 1)[0]
    return {"v": "valence", "a": "arousal", "y": "expression"}.get(base, base.upper())


def _read_mtl(path: Path) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DumpFormatError(f"cannot read ({exc.strerror}).", file=path) from None
    if not raw.strip():
        raise DumpFormatError("file is empty.", file=path)
    if b"\x00" in raw[:4096]:
        raise DumpFormatError("binary data where a text file was expected.", file=path)
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if lines[0].strip().replace(" ", "") != MTL_HEADER:
        raise DumpFormatError(f"header must be {MTL_HEADER!r}.", file=path, row=1)
    numbered = [(i + 2, ln.split(",")) for i, ln in enumerate(lines[1:]) if ln.strip()]
    if not numbered:
        raise DumpFormatError("has a header but no data rows.", file=path)
    line_no = np.array([n for n, _ in numbered])
    rows = [r for _, r in numbered]
    width = 4 + len(ABAW_AUS)
    for n, r in numbered:
        if len(r) != width:
            raise DumpFormatError(f"expected {width} values (image, valence, arousal, expression, "
                                  f"{len(ABAW_AUS)} AUs), found {len(r)}.", file=path, row=n)
    arr = np.array(rows, dtype=object)
    try:
        num = arr[:, 1:].astype(np.float64)
    except ValueError:
        n = next(n for n, r in numbered if not all(_isfloat(x) for x in r[1:]))
        raise DumpFormatError("non-numeric value.", file=path, row=n) from None
    frame = pd.DataFrame({"image": arr[:, 0].astype(str).tolist(), "_line": line_no})
    if frame["image"].duplicated().any():
        i = int(np.flatnonzero(frame["image"].duplicated().to_numpy())[0])
        raise DumpFormatError(f"duplicate image {frame['image'].iloc[i]!r}.", file=path,
                              row=int(line_no[i]), column="image")
    frame["valence"], frame["arousal"], frame["expression"] = num[:, 0], num[:, 1], num[:, 2]
    for j, au in enumerate(ABAW_AUS):
        frame[au] = num[:, 3 + j]
    return frame


def _isfloat(x: str) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def read_abaw_mtl(predictions: "str | Path", annotations: "str | Path", *, taxonomy="affwild2-expr8") -> Dump:
    """Pair an ABAW multi-task prediction file with its annotation file, by image name."""
    pred_path, ann_path = Path(predictions), Path(annotations)
    pred, ann = _read_mtl(pred_path), _read_mtl(ann_path)
    pos = pd.Index(pred["image"]).get_indexer(ann["image"])
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise DumpFormatError(f"image {ann['image'].iloc[i]!r} (annotations, line {ann['_line'].iloc[i]}) "
                              "has no prediction.", file=pred_path, column="image")
    p = pred.iloc[pos].reset_index(drop=True)
    frame = pd.DataFrame({
        "sample_id": ann["image"], "group": ann["image"].map(lambda s: s.rsplit("/", 1)[0] if "/" in s else s),
        "y_true": ann["expression"], "y_pred": p["expression"],
        "v_true": ann["valence"], "a_true": ann["arousal"], "v_pred": p["valence"], "a_pred": p["arousal"],
    })
    for au in ABAW_AUS:
        num = au[2:]
        frame[f"au{num}_true"] = ann[au]
        frame[f"au{num}_pred"] = p[au]
    ann_src = [(ann_path, int(n)) for n in ann["_line"]]
    pred_src = [(pred_path, int(n)) for n in p["_line"]]
    return _validated(frame, taxonomy, pred_path, ann_src, pred_src,
                      {"format": "abaw-mtl", "annotations": str(ann_path)})


def is_abaw_mtl(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(256).decode("utf-8", errors="replace")
    except OSError:
        return False
    return first.strip().replace(" ", "") == MTL_HEADER
