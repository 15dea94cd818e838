"""Fast CSV reading for dumps: pyarrow's multi-threaded CSV reader, pandas' behaviour kept.

:func:`read_csv` returns the DataFrame ``pandas.read_csv(path, dtype={"sample_id": str,
"group": str})`` would: the same missing-value markers, ``sample_id`` and ``group``
as strings, other columns typed from their values. pyarrow's reader (Apache Arrow,
``pyarrow.csv.read_csv``) parses in parallel blocks and is several times faster than
pandas' C parser on numeric columns. Whenever pyarrow cannot read a file the way
pandas would (a malformed line, text that is not UTF-8, repeated column names), the
file is read again with pandas, so every error and message stays pandas' own,
with its line numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["read_csv", "NA_VALUES"]

#: pandas' default missing-value markers (``pandas.read_csv`` ``na_values`` docs).
NA_VALUES = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
_STRING_COLUMNS = ("sample_id", "group")


def _pandas(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={c: str for c in _STRING_COLUMNS}, low_memory=False)


def read_csv(path: "str | Path") -> pd.DataFrame:
    """Read a dump CSV (see the module docstring); raises what ``pandas.read_csv`` raises."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in _STRING_COLUMNS},
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
    return table.to_pandas(split_blocks=True, self_destruct=True)
