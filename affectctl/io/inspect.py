"""What affectctl reads from a file: ``affectctl inspect FILE [--truth T]``.

:func:`inspect_file` reads a file exactly as ``audit`` would (the same detection and
readers, :mod:`affectctl.io.formats`) and reports, without scoring anything: the
format and what in the file identified it, the number of rows, the tasks read
(``expr``, ``va``, ``au``), the classes in file order and the taxonomy class each
maps onto, the id scheme and every id in file order, the columns read and those
ignored (counted), and what was left out. With a truth file the predictions are
also paired with it (:func:`affectctl.io.pairing.pair`) and the pairing's
exclusions and taxonomy are reported.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

__all__ = ["inspect_file", "ID_SCHEMES", "inspect_lines"]

#: How each format names a sample (the reader modules' docstrings give the sources).
ID_SCHEMES = {
    "dump": "the sample_id column",
    "dump-predictions": "the sample_id column",
    "truth-table": "the sample_id column",
    "pyfeat": "input (images); '<input stem>/<frame + 1:05d>' when an input has several frames",
    "openface": "'<video file stem>/<frame:05d>' (OpenFace counts frames from 1)",
    "libreface": "the image path, or '<video>/<frame_idx + 1:05d>' for video output",
    "emotiefflib": "the id column (--id, else image/file/filename/path/img/sample_id)",
    "deepface": "the JSON object's keys or each result's img_path",
    "generic": "the --id column (else image/file/path/sample_id)",
    "affectnet": "subDirectory_filePath",
    "rafdb": "the image file name",
    "fer2013": "'fer%07d' from the 0-based row number",
    "ferplus": "Image name (rows without one: '<no name, line N>')",
    "abaw": "'<video>/<frame:05d>' (line i + 1 of <video>.txt is frame i)",
}

#: Columns a format reads (anything else in the header is ignored and counted).
_READ = {
    "dump": r"sample_id|group|y_true|y_pred|p_.+|soft_.+|[va]_(true|pred)|au\d+_(true|pred)|emb_\d+",
    "dump-predictions": r"sample_id|group|y_pred|p_.+|[va]_pred|au\d+_pred|emb_\d+",
    "truth-table": r"sample_id|group|y_true|soft_.+|[va]_true|au\d+_true",
    "openface": r"frame|face_id|success|AU\d+_[cr]",
    "libreface": r"frame_idx|frame|image|path|file|facial_expression|au_\d+(_intensity)?|\d+",
    "emotiefflib": r".*",
    "affectnet": r"subDirectory_filePath|expression|valence|arousal",
    "fer2013": r"emotion|Usage",
    "ferplus": r"Usage|Image name|neutral|happiness|surprise|sadness|anger|disgust|fear|contempt|unknown|NF",
}


def _header(path: Path) -> list:
    from affectctl.io.formats._tables import header_fields
    from affectctl.io.formats.dumptruth import table_fields

    if path.is_dir():
        first = next(iter(sorted(path.glob("*.txt"))), None)
        return header_fields(first) if first is not None else []
    if not path.is_file():
        return []
    if path.suffix.lower() == ".parquet":
        return list(table_fields(path))
    return header_fields(path)


def _reason(name: str, header: list, default: str) -> str:
    """What in the header identified the format, for the formats with several layouts."""
    if name == "pyfeat":
        from affectctl.io.formats.pyfeat import PYFEAT_V2_VA, pyfeat_layout

        layout = pyfeat_layout(header)
        if layout == "2.x":
            why = ("valence and arousal columns" if set(PYFEAT_V2_VA) <= set(header) else "mesh_x_ columns")
            return f"py-feat 2.x (Detectorv2) layout: FaceRectX with {why}, as py-feat's read_feat decides"
        return "py-feat 0.x/1.x layout: FaceRectX with the lower-case emotion or AUxx columns, no valence/arousal"
    if name == "ferplus":
        from affectctl.io.formats.fer import is_ferplus_label_file

        if is_ferplus_label_file(header):
            return "FERPlus label.csv: no header; rows of a name, a '(x, y, w, h)' box and 10 integer votes"
        return "FERPlus fer2013new.csv: Image name and the 10 vote columns"
    return default


def _columns(fmt: str, header: list, meta: dict) -> tuple[list, dict]:
    """``(columns read, {group: count} of columns ignored)``."""
    if fmt == "abaw":
        return list(header), {}
    if meta.get("ferplus_file") == "label.csv":
        return ["field 1 (image name)", "fields 3-12 (votes)"], {"face box (field 2)": 1}
    if "columns_read" in meta:
        read = [c for c in header if c in set(meta["columns_read"])]
        return read, dict(meta.get("ignored_columns") or {})
    pattern = _READ.get(fmt)
    if pattern is None:
        return list(header), {}
    rx = re.compile(rf"^({pattern})$")
    read = [c for c in header if rx.match(c)]
    rest = [c for c in header if not rx.match(c)]
    return read, ({"not used by this format": len(rest)} if rest else {})


def _tasks_of_predictions(p) -> list:
    return [t for t, has in (("expr", bool(p.classes) and (p.proba is not None or p.y_pred is not None)),
                             ("va", p.va_pred is not None), ("au", bool(p.au_pred))) if has]


def _tasks_of_dump(d) -> list:
    return [{"expression": "expr"}.get(t, t) for t in d.tasks]


def _mapped(classes, taxonomy) -> list:
    from affectctl.domain.taxonomies import canonical_name

    out = []
    for c in classes:
        if taxonomy is not None and c in taxonomy.classes:
            out.append(c)
            continue
        try:
            canon = canonical_name(c)
        except Exception:
            out.append(None)
            continue
        if taxonomy is None:
            out.append(canon)
        else:
            out.append(taxonomy.classes[taxonomy.canonical.index(canon)] if canon in taxonomy.canonical
                       else None)
    return out


def inspect_file(path, *, truth=None, fmt=None, truth_format=None, mapping=None, id_column=None,
                 taxonomy=None) -> dict:
    """Describe what affectctl reads from ``path`` (see the module docstring).

    Returns
    -------
    dict
        ``format`` (name), ``format_reason`` (what identified it), ``kind``
        (predictions / truth / dump), ``rows`` (data rows read), ``tasks``,
        ``classes`` (``{"file": [...], "mapped": [...], "taxonomy": name or None}``),
        ``id_scheme``, ``ids`` (every id, in file order), ``columns_read``,
        ``ignored_columns`` (``{"count": n, "groups": {group: count}}``),
        ``exclusions`` (what the reader, or the pairing with ``truth``, left out),
        ``warnings`` (messages raised while reading, in order).
    """
    path = Path(path)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = _inspect(path, truth, fmt, truth_format, mapping, id_column, taxonomy)
        caught = [str(m.message) for m in w]
    out["warnings"] = list(dict.fromkeys(caught))
    return out


def _inspect(path: Path, truth, fmt, truth_format, mapping, id_column, taxonomy) -> dict:
    from affectctl.errors import DumpFormatError
    import affectctl.io.formats as formats
    from affectctl.io.dumps import read_dump
    from affectctl.io.formats.read import read_predictions

    header = _header(path)
    if fmt or mapping:
        f = formats.get_format(fmt or "generic", "predictions")
        reason = f"named by --format {f.name}" if fmt else "read through --map"
    elif formats._is_full_dump(path) if path.is_file() else False:
        f, reason = None, "sample_id and y_true columns (a full dump)"
    else:
        f = formats.detect_predictions(path)
        if f is None:  # f.kind says which it is
            f = formats.get_format(truth_format, "truth") if truth_format else formats.detect_truth(path)
        if f is None:
            raise DumpFormatError("is no format affectctl recognises (see `affectctl formats`).", file=path)
        reason = f.detected_by or "named by --format"
        reason = _reason(f.name, header, reason)
    if f is None:                                                    # a full dump
        d = read_dump(path, taxonomy=taxonomy)
        return _from_dump(d, "dump", reason, "dump", header, path)
    if f.kind == "truth":
        t = formats.read_truth(path, truth_format=f.name, taxonomy=taxonomy)
        read, ignored = _columns(f.name, header, t.metadata)
        tasks = [k for k, v in (("expr", t.y_true), ("va", t.va_true), ("au", t.au_true)) if v is not None]
        excl = {k: int(np.asarray(v).sum()) for k, v in t.excluded.items()}
        for key in ("ferplus_duplicates_collapsed",):
            if t.metadata.get(key):
                excl[key] = int(t.metadata[key])
        return {"format": f.name, "format_reason": reason, "kind": "truth", "rows": t.n_rows,
                "tasks": tasks, "classes": {"file": list(t.taxonomy.classes),
                                            "mapped": list(t.taxonomy.classes), "taxonomy": t.taxonomy.name},
                "id_scheme": ID_SCHEMES.get(f.name, ""), "ids": [str(s) for s in t.sample_id],
                "columns_read": read, "ignored_columns": _ignored(ignored), "exclusions": excl}
    if truth is not None:
        d = read_predictions(path, annotations=truth, taxonomy=taxonomy, format=fmt, truth_format=truth_format,
                             mapping=mapping, id_column=id_column)
        p = formats.read_tool(path, fmt=fmt, mapping=mapping, id_column=id_column, taxonomy=d.taxonomy)
        out = _from_predictions(p, f.name, reason, header, d.taxonomy)
        out["paired"] = {"samples": d.n_samples, "taxonomy": d.taxonomy.name,
                         "taxonomy_reason": d.metadata.get("taxonomy_reason", ""),
                         "exclusions": _plain(d.exclusions)}
        return out
    p = formats.read_tool(path, fmt=fmt, mapping=mapping, id_column=id_column, taxonomy=None)
    return _from_predictions(p, f.name, reason, header, None)


def _plain(ex: dict) -> dict:
    out = {}
    for k, v in ex.items():
        if isinstance(v, dict):
            out[k] = _plain(v)
        elif isinstance(v, (list, tuple)):
            out[k] = list(v)
        else:
            out[k] = int(v) if isinstance(v, (int, np.integer, bool, np.bool_)) else v
    return out


def _ignored(groups: dict) -> dict:
    return {"count": int(sum(groups.values())), "groups": dict(groups)}


def _from_predictions(p, name, reason, header, taxonomy) -> dict:
    read, ignored = _columns(name, header, p.metadata)
    return {"format": name, "format_reason": reason, "kind": "predictions", "rows": int(len(p.sample_id)),
            "tasks": _tasks_of_predictions(p),
            "classes": {"file": list(p.classes), "mapped": _mapped(p.classes, taxonomy),
                        "taxonomy": None if taxonomy is None else taxonomy.name},
            "id_scheme": ID_SCHEMES.get(name, ""), "ids": [str(s) for s in np.asarray(p.sample_id)],
            "columns_read": read, "ignored_columns": _ignored(ignored), "exclusions": _plain(p.exclusions)}


def _dump_file_classes(path: Path, header: list, taxonomy) -> list:
    """A dump's classes in file order: its ``p_<Class>`` columns, else the label names in
    order of appearance, else (indices) the taxonomy's order."""
    pcols = [c[2:] for c in header if c.startswith("p_")]
    if pcols:
        return pcols
    if path.suffix.lower() != ".parquet":
        import pandas as pd

        from affectctl.io.columns import label_names

        names = label_names(pd.read_csv(path, usecols=[c for c in ("y_true", "y_pred") if c in header],
                                        dtype=str, keep_default_na=False))
        if names:
            return names
    return list(taxonomy.classes)


def _from_dump(d, name, reason, kind, header, path) -> dict:
    read, ignored = _columns(name, header, {})
    file_classes = _dump_file_classes(path, header, d.taxonomy)
    return {"format": name, "format_reason": reason, "kind": kind, "rows": int(d.n_samples),
            "tasks": _tasks_of_dump(d),
            "classes": {"file": file_classes, "mapped": _mapped(file_classes, d.taxonomy),
                        "taxonomy": d.taxonomy.name, "taxonomy_reason": d.metadata.get("taxonomy_reason", "")},
            "id_scheme": ID_SCHEMES["dump"], "ids": [str(s) for s in d.sample_id],
            "columns_read": read, "ignored_columns": _ignored(ignored), "exclusions": _plain(d.exclusions)}


def inspect_lines(info: dict, *, n_ids: int = 5) -> list:
    """The console form of :func:`inspect_file`'s result, one fact per line."""
    lines = [f"format: {info['format']} ({info['kind']}; {info['format_reason']})",
             f"rows: {info['rows']}", f"tasks: {', '.join(info['tasks']) or 'none'}"]
    cl = info["classes"]
    if cl["file"]:
        lines.append(f"classes in file order: {', '.join(cl['file'])}")
        if cl["mapped"] != cl["file"]:
            target = f"taxonomy {cl['taxonomy']}" if cl.get("taxonomy") else "canonical emotions"
            lines.append(f"mapped onto {target}: "
                         + ", ".join(f"{a} -> {b or '(none)'}" for a, b in zip(cl["file"], cl["mapped"])))
        elif cl.get("taxonomy"):
            lines.append(f"taxonomy: {cl['taxonomy']}")
        if cl.get("taxonomy_reason"):
            lines.append(cl["taxonomy_reason"])
    ids = info["ids"]
    lines.append(f"ids: {info['id_scheme']}; first: {', '.join(ids[:n_ids])}"
                 + (f" ... ({len(ids)} in all)" if len(ids) > n_ids else ""))
    lines.append(f"columns read ({len(info['columns_read'])}): {', '.join(info['columns_read'][:12])}"
                 + (" ..." if len(info["columns_read"]) > 12 else ""))
    ign = info["ignored_columns"]
    if ign["count"]:
        lines.append(f"columns ignored: {ign['count']} ("
                     + ", ".join(f"{g} {n}" for g, n in ign["groups"].items()) + ")")
    else:
        lines.append("columns ignored: none")
    ex = {k: v for k, v in info["exclusions"].items() if v}
    lines.append("left out: " + (", ".join(f"{k} {v}" for k, v in ex.items()) if ex else "nothing"))
    if "paired" in info:
        pa = info["paired"]
        pex = {k: v for k, v in pa["exclusions"].items() if v and not isinstance(v, dict)}
        lines.append(f"paired with the truth: {pa['samples']} samples, taxonomy {pa['taxonomy']}"
                     + (f"; excluded: {', '.join(f'{k} {v}' for k, v in pex.items())}" if pex else ""))
        if pa.get("taxonomy_reason"):
            lines.append(pa["taxonomy_reason"])
    for w in info.get("warnings", ()):
        lines.append(f"warning: {w}")
    return lines
