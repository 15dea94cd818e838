"""Read, validate and write prediction dumps (the contract is in :mod:`affectctl.io.schema`).

Every reader ends in :func:`dump_from_frame`, so all formats are validated by the
same code and produce the same :class:`~affectctl.io.schema.Dump`. Errors name the
file, the 1-based line (header = line 1) and the column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import describe_missing, not_regular
from ._text import first_undecodable
from .atomic import atomic_write
from .csvfast import read_csv as read_csv_fast
from ..errors import ConfigError, DumpFormatError
from .schema import (
    EXPR_EXCLUDED,
    VA_EXCLUDED,
    Dump,
    proba_column,
    soft_column,
)
from ..taxonomies import Taxonomy, get_taxonomy

from .columns import dump_from_frame

__all__ = ["read_dump", "read_metadata", "read_sidecar", "dump_from_frame", "dump_to_frame", "write_dump",
           "atomic_write"]

_META_KEY = b"affectctl"


# ----------------------------------------------------------------------------- writing


def dump_to_frame(dump: Dump) -> pd.DataFrame:
    """The table form of a dump (class indices in the taxonomy's own numbering)."""
    base = dump.taxonomy.index_base
    cols: dict = {"sample_id": dump.sample_id}
    if dump.group is not None:
        cols["group"] = dump.group
    cols["y_true"] = np.where(dump.y_true >= 0, dump.y_true + base, EXPR_EXCLUDED)
    cols["y_pred"] = dump.y_pred + base
    if dump.proba is not None:
        for k, name in enumerate(dump.taxonomy.classes):
            cols[proba_column(name)] = dump.proba[:, k]
    if dump.va_true is not None:
        cols["v_true"] = np.where(np.isnan(dump.va_true[:, 0]), VA_EXCLUDED, dump.va_true[:, 0])
        cols["a_true"] = np.where(np.isnan(dump.va_true[:, 1]), VA_EXCLUDED, dump.va_true[:, 1])
    if dump.va_pred is not None:
        cols["v_pred"], cols["a_pred"] = dump.va_pred[:, 0], dump.va_pred[:, 1]
    for j, au in enumerate(dump.au_names):
        num = au[2:]
        if dump.au_true is not None:
            cols[f"au{num}_true"] = dump.au_true[:, j]
        if dump.au_pred is not None:
            cols[f"au{num}_pred"] = dump.au_pred[:, j]
    if dump.embedding is not None:
        for i in range(dump.embedding.shape[1]):
            cols[f"emb_{i}"] = dump.embedding[:, i]
    if dump.soft_true is not None:
        for k, name in enumerate(dump.taxonomy.classes):
            cols[soft_column(name)] = dump.soft_true[:, k]
    return pd.DataFrame(cols)


def write_dump(data: "pd.DataFrame | Dump", path: "str | Path", metadata: dict | None = None) -> Path:
    """Write a dump atomically as Parquet (``.parquet``) or CSV (``.csv``).

    Parameters
    ----------
    data : DataFrame in the dump format, or Dump
    path : path ending in ``.parquet`` or ``.csv``
    metadata : dict, optional
        JSON-serialisable; stored in the Parquet schema metadata, or beside a CSV as
        ``<path>.meta.json``. The taxonomy name is always recorded.

    Returns
    -------
    Path of the written file.
    """
    path = Path(path)
    meta = dict(metadata or {})
    if isinstance(data, Dump):
        meta = {**data.metadata, **meta}
        meta.setdefault("taxonomy", data.taxonomy.name)
        if data.taxonomy.name == "custom":
            meta.setdefault("classes", list(data.taxonomy.classes))
        frame = dump_to_frame(data)
    else:
        frame = data
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        schema_meta = dict(table.schema.metadata or {})
        schema_meta[_META_KEY] = json.dumps(meta, default=str).encode()
        table = table.replace_schema_metadata(schema_meta)
        return atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    if suffix == ".csv":
        written = atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))
        if meta:
            atomic_write(Path(str(path) + ".meta.json"),
                         lambda tmp: tmp.write_text(json.dumps(meta, indent=2, default=str)))
        return written
    raise ConfigError(f"dump path must end in .parquet or .csv; got {str(path)!r}.")


# ----------------------------------------------------------------------------- reading


def _read_table(path: Path) -> tuple[pd.DataFrame, dict]:
    if not path.exists():
        raise DumpFormatError(describe_missing(path).replace("does not exist", "file does not exist"),
                              file=path)
    if path.is_dir():
        raise DumpFormatError("is a folder, not a dump file.", file=path)
    if (reason := not_regular(path)) is not None:
        raise DumpFormatError(reason, file=path)
    if path.stat().st_size == 0:
        raise DumpFormatError("file is empty.", file=path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            raise DumpFormatError(
                f"not a readable Parquet file (truncated or corrupt?): {exc.__class__.__name__}.",
                file=path,
            ) from None
        import pyarrow.types as pat

        for field in table.schema:
            if pat.is_nested(field.type) or pat.is_dictionary(field.type) and \
                    pat.is_nested(field.type.value_type):
                raise DumpFormatError(
                    f"is a {field.type} column; a dump holds one value per cell (an embedding as "
                    "emb_0, emb_1, ... columns of numbers).", file=path, column=field.name)
        return table.to_pandas(), _schema_metadata(table.schema)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise DumpFormatError(f"cannot read ({exc.strerror}).", file=path) from None
    if b"\x00" in head:
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        if controls * 10 < len(head):  # a text file with a stray NUL byte
            line = head[:head.index(b"\x00")].count(b"\n") + 1
            raise DumpFormatError("holds a NUL byte (\\x00); CSV text has none: remove it.",
                                  file=path, row=line)
        raise DumpFormatError("binary data where a CSV text file was expected.", file=path)
    _check_first_line(path, head)
    if (nul := _nul_line(path, skip=len(head))) is not None:
        raise DumpFormatError("holds a NUL byte (\\x00); CSV text has none: remove it.",
                              file=path, row=nul)
    try:
        frame = read_csv_fast(path)  # pyarrow; pandas.read_csv's frame, errors and messages
    except pd.errors.EmptyDataError:
        raise DumpFormatError("file has no header line.", file=path) from None
    except UnicodeDecodeError:
        bad = first_undecodable(path)
        line, col, raw = bad if bad else (None, None, b"")
        raise DumpFormatError(f"byte(s) {raw!r} at byte {col} of the line are not UTF-8; save the file "
                              "as UTF-8.", file=path, row=line) from None
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DumpFormatError(f"not a readable CSV file: {msg}.", file=path) from None
    if not isinstance(frame.index, pd.RangeIndex):  # more fields than names: pandas made an index
        raise DumpFormatError(f"the data rows have one field more than the header's {frame.shape[1]} "
                              "names (a trailing comma at the end of each row?); remove it, or name "
                              "the extra column.", file=path, row=2)
    return frame, read_sidecar(path)


def _check_first_line(path: Path, head: bytes) -> None:
    """A comment or Excel's ``sep=`` line before the header: say so (line 1)."""
    first = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
    if first.startswith(b"#"):
        raise DumpFormatError("is a comment ('#...'); a dump starts with its header "
                              "(sample_id,y_true,...): remove the comment lines.", file=path, row=1)
    if first.lower().startswith(b"sep=") and len(first) <= 6:
        raise DumpFormatError(f"is Excel's {first.decode(errors='replace')!r} line; a dump "
                              "starts with its header (sample_id,y_true,...): remove it.",
                              file=path, row=1)


def _nul_line(path: Path, *, skip: int) -> "int | None":
    """Line of the first NUL byte after the first ``skip`` bytes (None when there is none);
    a memory-mapped scan, no copy of the file."""
    import mmap

    if path.stat().st_size <= skip:
        return None
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        at = mm.find(b"\x00", skip)
        if at < 0:
            return None
        line, pos = 1, 0
        while (nl := mm.find(b"\n", pos, at)) >= 0:
            line += 1
            pos = nl + 1
        return line


_KNOWN_COLUMN = re.compile(r"^(sample_id|group|y_true|y_pred|p_.+|soft_.+|[va]_(true|pred)|"
                           r"au\d+_(true|pred)|emb_\d+)$", re.IGNORECASE)
#: Column names that mean the unit of dependence (a video, a subject): the dump calls it
#: ``group``, and without it frames count as independent samples.
_GROUP_LIKE = {"group", "groups", "video", "videos", "video_id", "videoid", "video_name", "vid",
               "subject", "subject_id", "subjectid", "clip", "clip_id", "sequence", "sequence_id",
               "seq", "participant", "participant_id", "speaker", "speaker_id", "session"}
_EXACT = ("sample_id", "group", "y_true", "y_pred", "v_true", "a_true", "v_pred", "a_pred")


def warn_unknown_columns(columns, path) -> None:
    """One warning naming the columns the dump format does not know (they are ignored), with
    ``group`` suggested for names that mean a video or subject (``Group``, ``video``,
    ``Video_ID``): without ``group`` frames are treated as independent samples."""
    import difflib
    import warnings

    from ..errors import InputWarning

    unknown = [str(c) for c in columns if not _KNOWN_COLUMN.match(str(c).strip())
               or (str(c).strip().lower() in ("sample_id", "group", "y_true", "y_pred")
                   and str(c).strip() not in _EXACT)]
    if not unknown:
        return
    shown = []
    for c in unknown:
        low = c.strip().lower().replace("-", "_").replace(" ", "_")
        if low in _GROUP_LIKE and "group" not in columns:
            shown.append(f"{c!r} (did you mean `group`, the video or subject? without it frames "
                         "count as independent)")
        elif low in _EXACT and c not in _EXACT:
            shown.append(f"{c!r} (did you mean `{low}`?)")
        elif close := difflib.get_close_matches(low, _EXACT, n=1, cutoff=0.8):
            shown.append(f"{c!r} (did you mean `{close[0]}`?)")
        else:
            shown.append(repr(c))
    more = f", ... ({len(shown) - 6} more)" if len(shown) > 6 else ""
    warnings.warn(f"{path}: {len(unknown)} column(s) not in the dump format are ignored: "
                  f"{', '.join(shown[:6])}{more}.", InputWarning, stacklevel=3)


def physical_line(path: "str | Path", record: int) -> int:
    """The physical line where CSV record ``record`` starts (header = record 1); differs from
    ``record`` after quoted fields that span lines."""
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        end = 0  # physical line of the end of the previous record
        for k, _ in enumerate(reader, start=1):
            if k == record:
                return end + 1
            end = reader.line_num
    return record


def _schema_metadata(schema) -> dict:
    """The affectctl metadata stored in a Parquet schema ({} when absent or not JSON)."""
    raw = (schema.metadata or {}).get(_META_KEY)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return {}


def read_metadata(path: "str | Path") -> dict:
    """A dump's metadata without reading its rows: the Parquet schema's, or the CSV sidecar's."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return _schema_metadata(pq.read_schema(path))
        except Exception:  # pyarrow raises ArrowInvalid, OSError, ...
            raise DumpFormatError("not a readable Parquet file (truncated or corrupt?).",
                                  file=path) from None
    return read_sidecar(path)


def read_sidecar(path: "str | Path") -> dict:
    """The metadata of a CSV dump: its ``<file>.meta.json`` sidecar, or {} when there is none."""
    side = Path(str(path) + ".meta.json")
    if not side.is_file():
        return {}
    try:
        return json.loads(side.read_text())
    except ValueError:
        raise DumpFormatError("metadata sidecar is not valid JSON.", file=side) from None


def read_dump(path: "str | Path", taxonomy: "str | Taxonomy | None" = None) -> Dump:
    """Read and validate one prediction dump (CSV or Parquet).

    Parameters
    ----------
    path : path to a ``.csv`` or ``.parquet`` file
    taxonomy : name or Taxonomy, optional
        Overrides the taxonomy stored in the file's metadata; without either, the
        taxonomy is inferred from the ``p_<Class>`` columns or the class names.

    Raises
    ------
    DumpFormatError
        Naming file, line and column of the first problem.
    """
    path = Path(path)
    frame, meta = _read_table(path)
    if taxonomy is None and meta.get("taxonomy"):
        if meta["taxonomy"] == "custom" and meta.get("classes"):
            taxonomy = Taxonomy("custom", tuple(meta["classes"]), source=str(path))
        else:
            try:
                taxonomy = get_taxonomy(meta["taxonomy"])
            except ConfigError as exc:
                raise DumpFormatError(f"metadata: {exc}", file=path) from None
    try:
        dump = dump_from_frame(frame, taxonomy=taxonomy, source=str(path), metadata=meta)
    except DumpFormatError as exc:
        # rows count records; after a quoted multi-line field the file's line is further on
        if exc.row is not None and exc.row > 1 and path.suffix.lower() == ".csv" \
                and exc.file == str(path):
            line = physical_line(path, exc.row)
            if line != exc.row:
                raise DumpFormatError(exc.reason, file=exc.file, row=line, column=exc.column) from None
        raise
    warn_unknown_columns(frame.columns, path)
    return dump
