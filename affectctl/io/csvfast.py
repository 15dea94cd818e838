"""Fast CSV reading for dumps: pyarrow's multi-threaded CSV reader, pandas' behaviour kept.

:func:`read_csv` returns the DataFrame ``pandas.read_csv(path, dtype={"sample_id": str,
"group": str})`` would: the same missing-value markers, ``sample_id`` and ``group``
as strings, other columns typed from their values. pyarrow's reader (Apache Arrow,
``pyarrow.csv.read_csv``) tokenizes and converts blocks of the file in parallel on
every core the process may run on; pandas' C parser uses one.

Speed (issue 11 point 6: 1,000,000 rows in <= 2 s): the columns whose type the dump
contract fixes are given to the reader instead of inferred (``sample_id`` and ``group``
text; ``p_<Class>``, ``v_``/``a_`` and ``emb_`` columns float64, as validation reads
them), and the table reaches pandas without copying its text columns into Python
objects (pandas >= 3 keeps them as Arrow strings). Arrow sizes its thread pool from ``OMP_NUM_THREADS`` when that is
set; an ``OMP_NUM_THREADS=1`` meant for the numeric libraries would make the parse
single-threaded, so the read uses the cores in the process's CPU affinity mask
(``os.sched_getaffinity``; a Slurm allocation or ``taskset`` narrows it) and puts
Arrow's setting back afterwards.

Whenever pyarrow cannot read a file the way pandas would (a malformed line, text that
is not UTF-8, repeated column names, a value that is not of its column's fixed type),
the file is read again with pandas, so every error and message stays pandas' own,
with its line numbers, and validation sees the frame it always saw.
"""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .._machine import usable_cpus

__all__ = ["read_csv", "NA_VALUES", "csv_threads"]

#: pandas' default missing-value markers (``pandas.read_csv`` ``na_values`` docs).
NA_VALUES = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
_STRING_COLUMNS = ("sample_id", "group")
#: Dump columns that hold real numbers (see :mod:`affectctl.io.schema`); validation reads
#: them as float64 whatever pandas infers, so fixing the type saves only the inferring.
_FLOAT_COLUMNS = re.compile(r"^(p_.+|soft_.+|[va]_(true|pred)|emb_\d+)$")
#: Bytes per parse block: 16 MiB gives ~20 blocks for a 300 MiB file, enough to keep two
#: cores busy to the end, few enough that joining the blocks' columns is cheap.
_BLOCK_SIZE = 1 << 24


def _pandas(path: Path) -> pd.DataFrame:
    # ids and groups are text: no missing-value markers there ("NA", "None", "null" are
    # ids like any other); only an empty cell is missing
    na = {c: NA_VALUES for c in _header(path) if c not in _STRING_COLUMNS}
    na.update({c: [""] for c in _STRING_COLUMNS})
    return pd.read_csv(path, dtype={c: str for c in _STRING_COLUMNS}, low_memory=False,
                       keep_default_na=False, na_values=na)


def _raw_strings(path: Path, table, names) -> "object":
    """``table`` with its ``names`` columns read again as written: no ``NA``/``None``/``null``
    markers (only an empty cell is missing, as in :func:`_pandas`)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    raw = pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK_SIZE),
                         convert_options=pacsv.ConvertOptions(
                             include_columns=list(names), column_types={c: pa.string() for c in names},
                             null_values=[], strings_can_be_null=False,
                             quoted_strings_can_be_null=False))
    for c in names:
        col = raw.column(c)
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        table = table.set_column(table.column_names.index(c), c, col)
    return table


def csv_threads() -> int:
    """Threads the CSV parse uses: the cores this process may run on."""
    return usable_cpus()


@contextmanager
def _arrow_threads(n: int):
    """Arrow's CPU thread pool at ``n`` threads for the duration of the block, if it has fewer."""
    import pyarrow as pa

    old = pa.cpu_count()
    if old >= n:
        yield
        return
    pa.set_cpu_count(n)
    try:
        yield
    finally:
        pa.set_cpu_count(old)


def _header(path: Path) -> list:
    """The column names of the first line (CSV quoting rules), or [] if it cannot be read."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader([fh.readline()]), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _column_types(names) -> dict:
    import pyarrow as pa

    types = {c: pa.string() for c in _STRING_COLUMNS}
    types.update({c: pa.float64() for c in names if _FLOAT_COLUMNS.match(c)})
    return types


def read_csv(path: "str | Path") -> pd.DataFrame:
    """Read a dump CSV (see the module docstring); raises what ``pandas.read_csv`` raises."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    try:
        with _arrow_threads(csv_threads()):
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK_SIZE),
                convert_options=pacsv.ConvertOptions(
                    column_types=_column_types(_header(path)),
                    null_values=NA_VALUES, strings_can_be_null=True, quoted_strings_can_be_null=True,
                    timestamp_parsers=[]),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, OSError):
        return _pandas(path)  # pandas' own error, or pandas' reading of an odd file
    names = table.column_names
    if len(set(names)) != len(names) or any(n == "" for n in names):
        return _pandas(path)  # repeated or empty names: pandas renames them ("p_A.1", "Unnamed: 3")
    if table.num_rows == 0:
        return _pandas(path)
    marked = [c for c in _STRING_COLUMNS if c in names and table.column(c).null_count]
    if marked:
        table = _raw_strings(path, table, marked)
    with _arrow_threads(csv_threads()):
        return table.to_pandas(split_blocks=True, self_destruct=True)
