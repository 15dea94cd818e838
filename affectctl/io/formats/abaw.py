"""ABAW readers: per-video annotation/prediction folders and the multi-task single file.

- ABAW annotation/prediction folders: one ``<video>.txt`` per video, a header line
  (``valence,arousal``; the class list; or the AU list), then line i+1 holds frame i;
- the ABAW multi-task single file: header ``image,valence,arousal,expression,aus``,
  lines ``video/00001.jpg,v,a,e,au1,...,au12``;
- an ABAW annotation folder (or one of its files) as the truth of any other
  predictions (:func:`read_abaw_truth`), joined on ``<video>/<frame:05d>``.

Annotation files (Kollias & Zafeiriou, Aff-Wild2, BMVC 2019; the ABAW3 challenge
paper, Kollias, CVPRW 2022; the data description on
https://ibug.doc.ic.ac.uk/resources/aff-wild2/): one ``<video>.txt`` per video,
named after the video; the first line is the header (``valence,arousal``; the eight
class names; or ``AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26``), and
every following line is one frame, in order: line i+1 is frame i, 1-based, whose
cropped-aligned image is ``<video>/<i:05d>.jpg``. Frames without annotation hold
-5 (VA) or -1 (expression, every AU).

Predictions and annotations are paired frame by frame (folders) or by image name
(multi-task file). Sample ids are ``<video>/<frame:05d>`` (folders) or the image
name (multi-task), and the video is the ``group``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl.io.dumps import dump_from_frame
from affectctl.errors import DumpFormatError, InputWarning
from affectctl.io.schema import ABAW_AUS, EXPR_EXCLUDED, Dump
from affectctl.domain.taxonomies import canonical_name, get_taxonomy, infer_taxonomy

__all__ = ["read_abaw_folders", "read_abaw_mtl", "is_abaw_mtl", "is_abaw_annotations", "read_abaw_truth",
           "MTL_HEADER"]

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
    # a frame predicted as the missing value (-1 EXPR/AU, -5 VA; no face found, or written so
    # by `affectctl export` for a frame the dump lacked) has no prediction: left out, counted
    missing = _no_prediction(frame, task)
    frame, ann_src, pred_src = _drop_unpredicted(
        frame, missing, ann_src, pred_src, "every frame's prediction is the missing value (-1 / -5).",
        pred_dir)
    if taxonomy is None:
        taxonomy = _header_taxonomy(header) if task == "expr" else get_taxonomy("affwild2-expr8")
    dump = _validated(frame, taxonomy, pred_dir, ann_src, pred_src,
                      {"format": f"abaw-{task}-folders", "annotations": str(ann_dir)})
    if task != "expr":
        # the placeholder labels above are not annotations: the file has no expression task
        dump.exclusions.pop("expr", None)
    if missing.any():
        dump.exclusions["abaw_no_prediction"] = int(missing.sum())
    return dump


def _no_prediction(frame: pd.DataFrame, task: str) -> np.ndarray:
    """Rows whose prediction is the ABAW missing value: -1 (EXPR; every AU), -5 (VA)."""
    if task == "expr":
        return (frame["y_pred"] == EXPR_EXCLUDED).to_numpy()
    if task == "va":
        return ((frame["v_pred"] == -5) & (frame["a_pred"] == -5)).to_numpy()
    cols = [c for c in frame.columns if c.endswith("_pred") and c.startswith("au")]
    return (frame[cols] == -1).all(axis=1).to_numpy()


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


def _header_taxonomy(header):
    """The taxonomy of an EXPR header: an Aff-Wild2 file's own 7 (ABAW2) or 8 (ABAW3+) classes
    in Aff-Wild2's order are Aff-Wild2's; other headers as :func:`infer_taxonomy` reads them."""
    canon = tuple(canonical_name(c) for c in header)
    for name in ("affwild2-expr8", "affwild2-expr7"):
        if get_taxonomy(name).canonical == canon:
            return get_taxonomy(name)
    return infer_taxonomy(header)


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
    # an image predicted as the missing values throughout (-5,-5,-1,-1...: no face; how
    # `affectctl export` writes an image the dump lacks) has no prediction: left out, counted
    au_pred = [f"au{au[2:]}_pred" for au in ABAW_AUS]
    missing = ((pd.to_numeric(frame["v_pred"], errors="coerce") == -5)
               & (pd.to_numeric(frame["a_pred"], errors="coerce") == -5)
               & (pd.to_numeric(frame["y_pred"], errors="coerce") == EXPR_EXCLUDED)
               & (frame[au_pred].apply(pd.to_numeric, errors="coerce") == -1).all(axis=1)).to_numpy()
    frame, ann_src, pred_src = _drop_unpredicted(
        frame, missing, ann_src, pred_src, "every image's prediction is the missing value.", pred_path)
    dump = _validated(frame, taxonomy, pred_path, ann_src, pred_src,
                      {"format": "abaw-mtl", "annotations": str(ann_path)})
    if missing.any():
        dump.exclusions["abaw_no_prediction"] = int(missing.sum())
    return dump


def is_abaw_mtl(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(256).decode("utf-8", errors="replace")
    except OSError:
        return False
    return first.strip().replace(" ", "") == MTL_HEADER


# ----------------------------------------------------------------------------- as truth


def _abaw_header(path: Path) -> "list[str] | None":
    """The header of an ABAW per-video file, or None when the first line is not one."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(4096).decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    except OSError:
        return None
    if not first or first.replace(" ", "") == MTL_HEADER:
        return None
    header = [h.strip() for h in first.split(",")]
    low = [h.lower() for h in header]
    if low == ["valence", "arousal"]:
        return header
    if all(re.fullmatch(r"au\d+", h) for h in low):
        return header
    if len(header) >= 6:
        try:
            [canonical_name(h) for h in header]
        except Exception:
            return None
        return header
    return None


def _annotation_files(path: Path) -> list:
    if path.is_dir():
        return sorted(p for p in path.glob("*.txt") if p.is_file() and not p.name.startswith("."))
    return [path]


def is_abaw_annotations(path: Path) -> bool:
    """True for an ABAW annotation folder (its first ``.txt`` file has an ABAW header) or
    for one ABAW annotation file."""
    path = Path(path)
    files = _annotation_files(path) if path.exists() else []
    return bool(files) and files[0].suffix.lower() == ".txt" and _abaw_header(files[0]) is not None


def _fast_body(path: Path, width: int) -> "np.ndarray | None":
    """The numeric body through pandas' C parser; None when anything is odd (then
    :func:`_read_txt` reads the file again and words the error). A blank line inside the
    body is odd: skipping it would shift every later frame."""
    import io

    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = raw.rstrip()
    if b"\n\n" in body or b"\n\r\n" in body or b"\x00" in body[:4096]:
        return None
    try:
        frame = pd.read_csv(io.BytesIO(body), header=None, skiprows=1, dtype=np.float64,
                            skip_blank_lines=False, na_filter=False)
    except Exception:  # ParserError, ValueError on text, EmptyDataError
        return None
    if frame.shape[1] != width or frame.shape[0] == 0:
        return None
    return frame.to_numpy()


def read_abaw_truth(path: "str | Path", *, taxonomy=None):
    """Read an ABAW annotation folder (or one annotation file) as truth for any predictions.

    Sample ids are ``<video>/<frame:05d>`` with the 1-based frame of each line (see the
    module docstring), the video being the file stem; the video is also the ``group``.
    Unannotated frames (-1 expression and AU, -5 VA) are kept and excluded from their
    metrics, counted. Videos with no prediction at all are counted and warned about
    (an error under ``--strict``), as are frames of a predicted video that have no
    prediction.

    Raises
    ------
    DumpFormatError
        An unreadable file, headers that differ between files, or a value outside the
        task's codes, naming the file, line and column (the header's own name).
    """
    from affectctl.io.pairing import Truth

    path = Path(path)
    if not path.exists():
        raise DumpFormatError("does not exist.", file=path)
    files = _annotation_files(path)
    if not files:
        raise DumpFormatError("holds no .txt annotation files.", file=path)
    header = None
    ids, videos, blocks, rows = [], [], [], []
    for f in files:
        h = _abaw_header(f)
        if h is None:
            raise DumpFormatError("first line is not an ABAW header ('valence,arousal', the class "
                                  "names, or an AU list such as 'AU1,AU2,...').", file=f, row=1)
        if header is None:
            header, task = h, _task(h, f)
        elif [x.lower() for x in h] != [x.lower() for x in header]:
            raise DumpFormatError(f"header differs from the other annotation files ({','.join(header)}).",
                                  file=f, row=1)
        width = 1 if task == "expr" else len(header)
        body = _fast_body(f, width)
        if body is None:
            _, body = _read_txt(f)
        _check_codes(body, task, header, f)
        n = body.shape[0]
        ids.extend(f"{f.stem}/{i + 1:05d}" for i in range(n))
        videos.extend([f.stem] * n)
        blocks.append(body)
        rows.append(np.arange(n, dtype=np.int64) + 2)
    values = np.concatenate(blocks)
    video = np.asarray(videos, dtype=object)
    kw: dict = {}
    if task == "expr":
        tax = get_taxonomy(taxonomy) if taxonomy is not None else _header_taxonomy(header)
        kw["y_true"] = np.where(values[:, 0] < 0, -1, values[:, 0]).astype(np.int64)
    else:
        tax = get_taxonomy(taxonomy or "affwild2-expr8")
        if task == "va":
            kw["va_true"] = np.where(values == -5, np.nan, values)
        else:
            kw["au_true"] = {f"AU{int(h[2:])}": values[:, j].astype(np.int8) for j, h in enumerate(header)}
    one_file = len(files) == 1 and path.is_file()
    return Truth(source=str(path), sample_id=np.asarray(ids, dtype=object), taxonomy=tax,
                 rows=np.concatenate(rows) if one_file else None, split=video, unit="video",
                 group=video, metadata={"truth_format": f"abaw-{task}-annotations"}, **kw)


def _check_codes(body: np.ndarray, task: str, header: list, path: Path) -> None:
    """Every value is one of the task's codes (see the module docstring)."""
    if task == "au":
        bad = ~np.isin(body, (0, 1, -1))
        what = "AU annotation {v:g} is not 0, 1 or -1 (not annotated)."
    elif task == "va":
        bad = ~((np.abs(body) <= 1) | (body == -5))
        what = "value {v:g} is outside [-1, 1] (-5 marks a frame without annotation)."
    else:
        k = len(header)
        bad = ~(np.isin(body, np.arange(-1, k)))
        what = "class index {v:g} is out of range 0.." + str(k - 1) + " (-1 marks a frame without annotation)."
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        column = header[j] if task != "expr" else "expression"
        raise DumpFormatError(what.format(v=body[i, j]), file=path, row=i + 2, column=column)


def _drop_unpredicted(frame, missing, ann_src, pred_src, message, file):
    """The rows (and their source lines) whose prediction is not the missing value.

    Raises DumpFormatError with ``message`` when no row is left.
    """
    if not missing.any():
        return frame, ann_src, pred_src
    keep = np.flatnonzero(~missing)
    if keep.size == 0:
        raise DumpFormatError(message, file=file)
    return (frame.iloc[keep].reset_index(drop=True), [ann_src[i] for i in keep],
            [pred_src[i] for i in keep])
