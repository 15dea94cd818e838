"""Sets of runs: one dump per (condition, seed), paired by sample id.

On disk a run set is a folder laid out as ``DIR/<condition>/seed-<k>.csv|parquet``;
single prediction files make one-run conditions too (:func:`runs_from_files`), named
by their stem or ``name=path``. Conditions are compared only when they were run with
the same seeds on the same samples with the same labels; :func:`check_paired` names
any difference instead of running an unpaired test.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from affectctl._util.validation import check_inside, check_name, contained, describe_missing, fmt_set
from affectctl.io.dumps import read_dump
from affectctl.io.layout import BAD_SEED_FILE, SEED_FILE, SIDECAR, dump_path
from affectctl.errors import ConfigError, DumpFormatError, InputWarning, PairingError
from affectctl.io.schema import Dump
from affectctl.domain.taxonomies import Taxonomy

__all__ = ["RunSet", "load_runs", "check_paired", "checked_conditions", "find_dump_files", "runs_from_files",
           "file_conditions", "cached_without_embeddings"]



@dataclass(frozen=True)
class RunSet:
    """Dumps keyed by condition and seed.

    Attributes
    ----------
    runs : dict
        ``{condition: {seed: Dump}}``, conditions in the order asked for.
    root : Path or None
    """

    runs: dict
    root: Path | None = None

    def __post_init__(self):
        # one canonical row order, by sample_id: every sum over samples then runs in the same
        # order whatever the files' row order, so results are identical (bytes) under a shuffle
        for by_seed in self.runs.values():
            for seed, dump in list(by_seed.items()):
                by_seed[seed] = in_sample_id_order(dump)

    @property
    def conditions(self) -> tuple:
        return tuple(self.runs)

    def seeds(self, condition: str) -> tuple:
        return tuple(sorted(self.runs[condition]))

    @property
    def taxonomy(self) -> Taxonomy:
        first = next(iter(next(iter(self.runs.values())).values()))
        return first.taxonomy

    def dump(self, condition: str, seed: int) -> Dump:
        return self.runs[condition][seed]

    def __repr__(self) -> str:
        parts = [f"{c} (seeds {', '.join(map(str, self.seeds(c)))})" for c in self.runs]
        where = f" from {self.root}" if self.root else ""
        return f"RunSet{where}: {'; '.join(parts) or 'no runs'}"



def in_sample_id_order(dump: Dump) -> Dump:
    """``dump`` with its rows sorted by ``sample_id`` (itself when they already are).

    Sample ids are unique within a dump, so the order is total and the same for every
    permutation of the rows.
    """
    import dataclasses

    sid = dump.sample_id
    if len(sid) < 2 or bool(np.all(sid[1:] > sid[:-1])):
        return dump
    order = np.argsort(sid.astype(str), kind="stable")
    fields = {}
    for f in dataclasses.fields(dump):
        v = getattr(dump, f.name)
        if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == len(sid):
            fields[f.name] = np.asarray(v)[order]
    return dataclasses.replace(dump, **fields)


def checked_conditions(runs, conditions=None) -> list:
    """``conditions`` (every condition of ``runs`` if None), each checked to be in ``runs``.

    The argument check shared by the analyses that take a :class:`RunSet` and a subset of
    its conditions; raises :class:`~affectctl.errors.ConfigError` naming the argument.
    """
    if not isinstance(runs, RunSet):
        raise ConfigError("`runs` must be a RunSet (affectctl.io.runs.load_runs); "
                          f"got {type(runs).__name__}.")
    conditions = list(runs.conditions if conditions is None else conditions)
    for c in conditions:
        if c not in runs.conditions:
            raise ConfigError(f"`conditions` must be among {fmt_set(runs.conditions)}; got {c!r}.")
    return conditions

def find_dump_files(root: "str | Path", condition: str) -> dict:
    """``{seed: path}`` of the dumps of one condition under ``root``.

    The condition is a plain folder name inside ``root`` (no separator, ``..`` or absolute
    path; after resolving links it stays inside ``root``), and so is every seed file. A
    file named like a dump whose seed is not a non-negative integer (``seed--1.csv``,
    ``seed-a.csv``, ``seed-01.csv``) is an error; any other file (``seed-0.csv.bak``, notes)
    is skipped with one warning that names and counts them. Hidden files and the
    ``seed-<k>.<ext>.meta.json`` / ``.timing.json`` sidecars are expected and skipped.
    """
    folder = contained(root, condition, option="condition")
    if not folder.is_dir():
        available = sorted(p.name for p in Path(root).iterdir() if p.is_dir()) if Path(root).is_dir() else []
        deeper = runs_root_below(root, condition)
        hint = f"; did you mean --runs {deeper}?" if deeper else ""
        raise ConfigError(f"no runs for condition '{condition}' in {root} "
                          f"(expected {folder}/seed-<k>.csv|parquet; found conditions: "
                          f"{', '.join(available) or 'none'}{hint}).")
    files: dict = {}
    skipped = []
    for p in sorted(folder.iterdir()):
        m = SEED_FILE.match(p.name)
        if m and str(int(m.group(1))) != m.group(1):
            m = None  # seed-01.csv: not the name affectctl writes; ambiguous with seed-1.csv
        if m:
            seed = int(m.group(1))
            if seed in files:
                raise ConfigError(f"seed {seed} of condition '{condition}' has two files: "
                                  f"{files[seed].name} and {p.name}.")
            files[seed] = check_inside(root, p, option="condition")
        elif BAD_SEED_FILE.match(p.name):
            raise ConfigError(f"condition '{condition}': {p} is named like a dump but is not "
                              "seed-<k>.csv|parquet with k a non-negative integer (no sign, no leading "
                              "zeros, lower case); rename or remove it.")
        elif not (p.name.startswith(".") or SIDECAR.match(p.name)):
            skipped.append(p.name)
    if not files:
        raise ConfigError(f"{folder} holds no seed-<k>.csv or seed-<k>.parquet files"
                          + (f" (only {', '.join(skipped[:5])})." if skipped else "."))
    if skipped:
        shown = ", ".join(skipped[:5]) + (f", ... ({len(skipped) - 5} more)" if len(skipped) > 5 else "")
        warnings.warn(f"condition '{condition}': {len(skipped)} file(s) in {folder} are not "
                      f"seed-<k>.csv|parquet dumps and are skipped: {shown}; using seeds "
                      f"{sorted(files)}.", InputWarning, stacklevel=2)
    return files


def conditions_in(root: "str | Path") -> list:
    """Names of the sub-folders of ``root`` that hold ``seed-<k>.csv|parquet`` dumps."""
    root = Path(root)
    out = []
    for p in sorted(root.iterdir()):
        if p.is_dir() and not p.name.startswith(".") and any(SEED_FILE.match(f.name) for f in p.iterdir()):
            out.append(p.name)
    return out


def runs_root_below(root: "str | Path", condition: "str | None" = None) -> "Path | None":
    """The first sub-folder of ``root`` that looks like the runs folder meant (``--runs``
    given one level too high, e.g. ``runs`` for ``runs/sim-affwild2``): it holds
    ``condition``, or, without one, any condition's dumps."""
    root = Path(root)
    if not root.is_dir():
        return None
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        if (d / condition).is_dir() if condition else conditions_in(d):
            return d
    return None

def load_runs(root: "str | Path", conditions, *, taxonomy=None, read=None) -> RunSet:
    """Read and validate every dump of the named conditions.

    Parameters
    ----------
    root : folder holding ``<condition>/seed-<k>.csv|parquet``
    conditions : sequence of str
    taxonomy : str or Taxonomy, optional
        Overrides the taxonomy recorded in the dumps.
    read : callable, optional
        ``read(path) -> Dump`` for each seed file, e.g. a tool's output paired with a
        dataset's truth file (:func:`affectctl.io.formats.read.read_predictions` with
        ``annotations=``); default :func:`~affectctl.io.dumps.read_dump`.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"runs folder {root} " + ("is a file, not a folder." if root.exists()
                                                    else describe_missing(root)))
    if len(set(conditions)) != len(conditions):
        raise ConfigError(f"a condition is named twice: {list(conditions)}.")
    _refuse_aliases(root, conditions)
    if read is None:
        def read(path):
            return read_dump(path, taxonomy=taxonomy)
    runs = {c: {seed: read(path) for seed, path in find_dump_files(root, c).items()} for c in conditions}
    return RunSet(runs, root)


def _refuse_aliases(root: Path, conditions) -> None:
    """Two conditions whose folders resolve to one (a symbolic link ``alias -> base``)."""
    seen: dict = {}
    for c in conditions:
        folder = contained(root, c, option="condition")
        if not folder.is_dir():
            continue
        real = folder.resolve()
        if real in seen:
            raise ConfigError(f"conditions '{seen[real]}' and '{c}' in {root} are one folder "
                              f"({real}; one is a symbolic link to the other): comparing a "
                              "condition with itself; remove the alias.")
        seen[real] = c


_FILE_SUFFIXES = (".csv", ".parquet", ".pq", ".txt")


def _file_spec(arg: str, *, folders: bool):
    """``(name, path)`` if ``arg`` names a prediction file (or ``name=path``), else None.

    A path holding ``=`` that exists is that file (it wins over the ``name=path``
    reading, with a warning when that reading names a file too). Every condition name,
    renamed or a file's stem, passes :func:`~affectctl._util.validation.check_name`.
    """
    whole = Path(arg)
    name, sep, rest = arg.partition("=")
    if sep and not (_is(whole.is_file) or (folders and _is(whole.is_dir))):
        path = Path(rest.strip())
        looks_like_file = (path.suffix.lower() in _FILE_SUFFIXES or "/" in rest or "\\" in rest)
        if not _is(path.exists) and (not looks_like_file or not name):
            return None  # a condition name holding '=' (a folder under --runs)
        if not name.strip() or not rest.strip():
            raise ConfigError(f"{arg!r}: a renamed file is written name=path, both non-empty.")
        if not path.exists():
            raise ConfigError(f"{arg!r}: neither a file of that name exists nor, read as name=path, "
                              f"file {path}.")
        _check_kind(path, folders=folders, what=f"{arg!r} (name=path)")
        return check_name("condition name (name=path)", name.strip()), path
    path = whole
    if _is(path.is_file) or (folders and _is(path.is_dir)):
        if sep and Path(rest.strip()).exists() and name.strip():
            warnings.warn(f"{arg!r} is read as the file {path} (it exists), not as condition "
                          f"{name.strip()!r} from {rest.strip()}; to mean that, rename or move "
                          f"the file {path}.", InputWarning, stacklevel=3)
        stem = path.stem if path.is_file() else path.name
        return check_name("condition name (a file's stem; rename it with name=path)", stem), path
    if _is(path.exists) and not path.is_dir():  # a FIFO, a device: refused by type
        _check_kind(path, folders=folders, what=repr(arg))
    if path.suffix.lower() in _FILE_SUFFIXES or "/" in arg or "\\" in arg:
        raise ConfigError(f"condition '{arg}' is not a plain name (a folder under --runs, no "
                          f"separators or '..') and file {path} does not exist.")
    return None


def _is(test) -> bool:
    """``test()`` (``Path.is_file`` ...), False when the path cannot even be looked up (a
    name longer than the file system allows raises ENAMETOOLONG)."""
    try:
        return test()
    except OSError:
        return False


def _check_kind(path: Path, *, folders: bool, what: str) -> None:
    """Refuse a path that is neither a regular file nor (with ``folders``) a folder."""
    from affectctl._util.validation import check_regular_file

    if folders and path.is_dir():
        return
    check_regular_file(what, path)


def file_conditions(args, *, folders: bool = False) -> "list | None":
    """``[(name, path), ...]`` when the arguments are prediction files, None when they are
    condition names (``--runs`` sub-folders or conditions to train).

    A file argument is an existing file, ``name=path``, or, with ``folders`` (when
    ``--truth`` is given), an existing folder of ABAW per-video predictions. Its
    condition is named by the file's stem unless renamed with ``name=path``. Mixing
    files and names, and two files with the same name, are errors that say so.
    """
    specs = [_file_spec(a, folders=folders) for a in args]
    if all(s is None for s in specs):
        return None
    names = [a for a, s in zip(args, specs) if s is None]
    if names:
        raise ConfigError(f"{', '.join(repr(n) for n in names)} {'is' if len(names) == 1 else 'are'} "
                          "not a file, but other arguments are: give every condition as a file "
                          "(or name=path), or every one as a condition name with --runs.")
    seen: dict = {}
    for name, path in specs:
        if name in seen:
            raise ConfigError(f"{seen[name]} and {path} would both be condition '{name}'; name them "
                              f"apart with name=path (e.g. {name}-2={path}).")
        seen[name] = path
    return specs


def runs_from_files(specs, *, truth: "str | Path | None" = None, taxonomy=None, read=None) -> RunSet:
    """One-run conditions from prediction files: ``{name: {0: Dump}}``.

    Parameters
    ----------
    specs : sequence of (name, path)
        From :func:`file_conditions`.
    truth : str or Path, optional
        Labels for prediction-only files (joined on ``sample_id``), or the ABAW
        annotations of ABAW prediction folders and multi-task files.
    taxonomy : str or Taxonomy, optional
    read : callable, optional
        ``read(path) -> Dump`` (as for :func:`load_runs`), e.g. a tool's output paired
        with a dataset's truth file; default :func:`affectctl.io.formats.read.read_predictions`
        with ``annotations=truth``.

    Notes
    -----
    Every format :func:`affectctl.io.formats.read.read_predictions` knows is accepted. The
    single run of each condition gets seed 0.
    """
    from affectctl.io.formats.read import read_predictions

    if read is None:
        def read(path):
            return read_predictions(path, annotations=truth, taxonomy=taxonomy)

    runs = {}
    for name, path in specs:
        try:
            runs[name] = {0: read(path)}
        except DumpFormatError as exc:
            if truth is None and exc.column == "y_true" and "missing" in exc.reason:
                raise DumpFormatError("has no y_true column: give the labels with --truth FILE "
                                      "(sample_id, y_true[, group, v_true, a_true]).",
                                      file=exc.file, column="y_true") from None
            raise
    return RunSet(runs, None)


def check_paired(runset: RunSet, a: str, b: str) -> tuple:
    """Check that conditions a and b can be paired; return their common seeds.

    Raises
    ------
    PairingError
        When seeds, taxonomies, sample ids or labels differ, naming the first difference.
    """
    sa, sb = set(runset.seeds(a)), set(runset.seeds(b))
    if sa != sb:
        only_a, only_b = sorted(sa - sb), sorted(sb - sa)
        where = f" (in {runset.root})" if runset.root is not None else ""
        raise PairingError(
            f"conditions '{a}' and '{b}' were run with different seeds{where}: only in '{a}': "
            f"{only_a or 'none'}; only in '{b}': {only_b or 'none'}.")
    for seed in sorted(sa):
        da, db = runset.dump(a, seed), runset.dump(b, seed)
        if da.taxonomy.classes != db.taxonomy.classes:
            raise PairingError(f"seed {seed}: '{a}' uses classes {da.taxonomy.classes} ({da.source}) "
                               f"but '{b}' uses {db.taxonomy.classes} ({db.source}).")
        order = _alignment(da, db)
        # ids are unique within a dump, so equal counts and every id found = the same ids
        if da.n_samples != db.n_samples or (order < 0).any():
            ids_a, ids_b = set(da.sample_id), set(db.sample_id)
            missing = sorted(ids_a - ids_b)[:3]
            extra = sorted(ids_b - ids_a)[:3]
            raise PairingError(
                f"seed {seed}: sample ids differ between {da.source} and {db.source} "
                f"({len(ids_a - ids_b)} only in the first, e.g. {missing}; "
                f"{len(ids_b - ids_a)} only in the second, e.g. {extra}).")
        if not np.array_equal(da.y_true, db.y_true[order]):
            i = int(np.flatnonzero(da.y_true != db.y_true[order])[0])
            raise PairingError(f"seed {seed}: sample {da.sample_id[i]!r} has label {da.y_true[i]} in "
                               f"{da.source} but {db.y_true[order][i]} in {db.source}.")
        _check_same_truth(da, db, order, seed)
    return tuple(sorted(sa))


def _check_same_truth(da: Dump, db: Dump, order: np.ndarray, seed) -> None:
    """Groups and VA annotations must agree too: the sample-level tests take them from ``da``."""
    if (da.group is None) != (db.group is None):
        has, lacks = (da, db) if da.group is not None else (db, da)
        raise PairingError(f"seed {seed}: {has.source} has a group column but {lacks.source} has none.")
    if da.group is not None:
        # the same ids as stored (the usual case) need no conversion; else compare them as
        # _group_key reads them (a CSV's 3 and a parquet's 3.0 are one group)
        gb_raw = db.group[order]
        same = da.group.dtype == gb_raw.dtype and np.array_equal(da.group, gb_raw)
        ga, gb = (None, None) if same else (_group_key(da.group), _group_key(gb_raw))
        if not same and not np.array_equal(ga, gb):
            i = int(np.flatnonzero(ga != gb)[0])
            raise PairingError(f"seed {seed}: sample {da.sample_id[i]!r} is in group '{da.group[i]}' in "
                               f"{da.source} but '{db.group[order][i]}' in {db.source}.")
    if da.va_true is not None and db.va_true is not None:
        va_a, va_b = da.va_true, db.va_true[order]
        # float32 copies of the same annotation agree to ~6e-8 on [-1, 1]
        same = np.isclose(va_a, va_b, rtol=0.0, atol=_VA_TOLERANCE, equal_nan=True)
        if not same.all():
            i = int(np.flatnonzero(~same.all(axis=1))[0])
            show = lambda v: "(" + ", ".join(f"{float(x):.6g}" for x in v) + ")"  # noqa: E731
            raise PairingError(f"seed {seed}: sample {da.sample_id[i]!r} has valence/arousal annotation "
                               f"{show(va_a[i])} in {da.source} but {show(va_b[i])} in {db.source}.")


_VA_TOLERANCE = 1e-6


def _group_key(group: np.ndarray) -> np.ndarray:
    """Group ids comparable across file formats: numbers as floats (``0`` = ``0.0``), else text."""
    numeric = pd.to_numeric(pd.Series(group), errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=np.float64)
    return pd.Series(group).astype(str).str.strip().to_numpy()


def _alignment(da: Dump, db: Dump) -> np.ndarray:
    """Index array putting db's rows in da's sample order (-1 where da's id is not in db).

    Rows in the same order cost one comparison; otherwise the ids are hashed with
    pyarrow's ``index_in`` (about 3× faster than a pandas index on 10⁶ string ids).
    """
    if np.array_equal(da.sample_id, db.sample_id):
        return np.arange(db.n_samples)
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(ids):
        try:
            return pa.array(ids, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):     # ids that are not all str
            return pa.array(np.asarray(ids, dtype=object).astype(str), type=pa.string())

    pos = pc.index_in(arrow(da.sample_id), value_set=arrow(db.sample_id))
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def aligned(runset: RunSet, a: str, b: str, seed: int) -> tuple:
    """The two dumps of a seed with b's arrays reordered to a's sample order."""
    da, db = runset.dump(a, seed), runset.dump(b, seed)
    return da, db, _alignment(da, db)


def cached_without_embeddings(conditions, cache: "str | Path", dataset: str, seeds) -> list:
    """Cached dumps ``<cache>/<dataset>/<condition>/seed-<k>.parquet`` without ``emb_<i>`` columns.

    ``affectctl train`` stores embeddings only with ``--embeddings``; asking the
    training sweep for embeddings would train such runs again (same seed, same
    predictions) just to add them. ``compare`` needs none, so it keeps them;
    ``diagnose`` says that it retrains them, and why.
    """
    import pyarrow.parquet as pq

    seed_list = range(seeds) if isinstance(seeds, int) else list(seeds)
    out = []
    for c in conditions:
        name = Path(c).stem if str(c).endswith(".toml") else str(c)
        for s in seed_list:
            path = dump_path(cache, dataset, name, s)
            if not path.exists():
                continue
            try:
                names = pq.read_schema(path).names
            except Exception:  # noqa: BLE001 - a corrupt dump: the sweep reports it
                continue
            if "emb_0" not in names:
                out.append(path)
    return out
