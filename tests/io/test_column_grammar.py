"""The dump's column grammar is written once, in affectctl/io/columns.py."""

from __future__ import annotations

import re
from pathlib import Path

import affectctl
from affectctl.io.columns import AU_PRED, AU_TRUE, FLOAT_COLUMN, PREDICTION, TRUTH

ROOT = Path(affectctl.__file__).resolve().parent


def test_the_predicates_say_what_the_dump_format_says():
    assert AU_TRUE.match("au12_true").group(1) == "12" and not AU_TRUE.match("au12_pred")
    assert AU_PRED.match("AU4_pred").group(1) == "4"
    for c in ("y_pred", "v_pred", "a_pred", "p_happy", "au1_pred"):
        assert PREDICTION.match(c), c
    for c in ("y_true", "v_true", "sample_id", "soft_happy", "emb_0"):
        assert not PREDICTION.match(c), c
    assert [c for c in ("y_true", "a_true", "au6_true", "y_pred") if TRUTH.match(c)] == ["y_true", "a_true", "au6_true"]
    assert [c for c in ("p_x", "soft_x", "v_true", "a_pred", "emb_3", "y_pred", "emb_x")
            if FLOAT_COLUMN.match(c)] == ["p_x", "soft_x", "v_true", "a_pred", "emb_3"]


def test_no_module_outside_io_columns_restates_the_dump_column_patterns():
    # the dump's own column names (au<k>_true/_pred, [va]_true/_pred) in a regular expression
    pattern = re.compile(r"re\.compile\(r[\"'][^\"']*(au\(?\\d\+\)?_(true|pred)|\[va\]_)")
    offenders = [str(p.relative_to(ROOT)) for p in sorted(ROOT.rglob("*.py"))
                 if p.name != "columns.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_label_column_names_the_line_of_a_missing_value():
    """Groups and sample ids are read by one check (io.formats._tables.label_column), used by
    the generic reader, the dump-truth reader and the training-features reader."""
    import pandas as pd
    import pytest

    from affectctl.errors import DumpFormatError
    from affectctl.io.formats._tables import label_column

    assert list(label_column(pd.DataFrame({"group": [1, "v2"]}), "group", "x.csv")) == ["1", "v2"]
    with pytest.raises(DumpFormatError, match="x.csv, line 3, column 'group': missing group."):
        label_column(pd.DataFrame({"group": ["v1", None, "v2"]}), "group", "x.csv")
