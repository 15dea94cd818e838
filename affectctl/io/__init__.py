"""Data in: everything that reads or writes a prediction file.

- :mod:`~affectctl.io.schema`: the dump contract (:class:`Dump`, exclusion codes);
- :mod:`~affectctl.io.dumps`: read and write per-seed dumps (CSV, Parquet);
- :mod:`~affectctl.io.columns`: the one validation of a table's columns into a :class:`Dump`;
- :mod:`~affectctl.io.runs`: ``DIR/<condition>/seed-<k>`` folders as a :class:`RunSet`;
- :mod:`~affectctl.io.formats.abaw`: ABAW per-video folders and the multi-task file, and ABAW
  annotation folders as truth;
- :mod:`~affectctl.io.formats`: the registry of dataset and tool formats and
  ``read_paired``, the one join of predictions with a truth file
  (:mod:`~affectctl.io.pairing`, :mod:`~affectctl.io.sample_ids`);
- :mod:`~affectctl.io.formats.read`: one entry point that detects the format;
- :mod:`~affectctl.io.atomic`: the one atomic file writer.

Nothing here computes a metric: data flows ``io`` → ``metrics`` → ``stats`` → report.
"""

from affectctl.io.dumps import dump_from_frame, dump_to_frame, read_dump, write_dump
from affectctl.io.formats.read import read_predictions
from affectctl.io.runs import RunSet, load_runs
from affectctl.io.schema import Dump

__all__ = ["Dump", "RunSet", "dump_from_frame", "dump_to_frame", "load_runs", "read_dump",
           "read_predictions", "write_dump"]
