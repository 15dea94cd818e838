"""The one set of shared option checks: names that become paths, output folders, sizes.

Every command and library entry point that turns a user-given name into a path, writes
into a user-given folder or sizes memory or time from a user-given number calls one of
these, so the rules (and their messages) are the same everywhere:

- :func:`check_name` / :func:`contained`: a name (report name, condition, plan name) is a
  single path component: no separator, no ``..``, not absolute, and the path it makes
  stays inside its root *after* resolving symbolic links.
- :func:`check_inside`: a file found under a root (a seed file) resolves inside it.
- :func:`check_output_dir`: an output folder is a folder, or can be created and written.
- :func:`check_count`: a count (``--permutations``, seeds, batch size) is an integer in
  ``[minimum, limit]`` whose memory fits the machine; the message says what would fit.
- :func:`describe_missing`: why a path cannot be opened (missing, broken link, link loop).
- :func:`check_choice`: an option is one of its allowed values; the allowed values of the
  options shared by several analyses live here too (:data:`ALTERNATIVES`,
  :data:`ADJUST_METHODS`, :data:`CORRECTIONS`, :data:`SEED_TESTS`), so ``compare``,
  ``diagnose``, the statistics, the tables and the command line name the same set.

Every check raises :class:`~affectctl.errors.ConfigError` naming the option, so the
command line prints it as one line and exits with status 2.
"""

from __future__ import annotations

import errno
import numbers
import os
from pathlib import Path

from typing import TYPE_CHECKING

from affectctl.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MAX_RESAMPLES",
    "MAX_SEEDS",
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MAX_LAYER_WIDTH",
    "RESAMPLE_BYTES",
    "WORKER_BYTES",
    "MAX_RNG_SEED",
    "MEMORY_SHARE",
    "available_memory",
    "MAX_NAME_LENGTH",
    "MAX_TEST_SAMPLES",
    "check_name",
    "contained",
    "check_inside",
    "check_output_dir",
    "check_count",
    "check_resamples",
    "check_workers",
    "check_seed",
    "describe_missing",
    "not_regular",
    "parse_toml",
    "read_toml",
    "MAX_TOML_DEPTH",
    "check_regular_file",
    "ALTERNATIVES",
    "ADJUST_METHODS",
    "CORRECTIONS",
    "SEED_TESTS",
    "SAMPLE_TESTS",
    "sample_test_record",
    "fmt_set",
    "check_choice",
]

#: Alternative hypotheses of every paired test (SciPy's names and meanings).
ALTERNATIVES = ("two-sided", "greater", "less")
#: Multiple-comparison adjustments of p-values (statsmodels ``multipletests`` methods,
#: always passed explicitly; ``"none"`` leaves p-values as they are).
ADJUST_METHODS = ("holm", "fdr_bh", "bonferroni", "none")
#: Corrections :func:`affectctl.compare.compare` takes: the adjustments, or Westfall &
#: Young (1993) max-T over a joint sign-flip null.
CORRECTIONS = (*ADJUST_METHODS, "westfall-young")
#: Seed-level paired tests, in the order tables prefer them.
SEED_TESTS = ("wilcoxon", "signflip", "ttest")
#: Sample-level paired tests (approximate randomization, paired bootstrap, the two-level
#: bootstrap over seeds and units).
SAMPLE_TESTS = ("ar", "bootstrap", "hierarchical")


def sample_test_record(name: str) -> str:
    """The ``test`` field of the records a ``sample_test`` option value writes
    (``"hierarchical"`` -> ``"hierarchical_bootstrap"``; the others unchanged)."""
    return "hierarchical_bootstrap" if name == "hierarchical" else name


#: Documented upper limit of Monte-Carlo resamples (``--permutations``, bootstrap
#: replicates, ``permutations`` in a plan). With it, the smallest Monte-Carlo p-value is
#: 1e-7, far below any corrected threshold in use.
MAX_RESAMPLES = 10_000_000
#: Documented upper limit of training seeds per condition (``--seeds``).
MAX_SEEDS = 10_000
#: Documented upper limit of a training batch (``batch_size`` in a condition file).
MAX_BATCH_SIZE = 1_048_576
#: Documented upper limit of training epochs (``epochs`` in a condition file).
MAX_EPOCHS = 100_000
#: Documented upper limit of a layer's width (``hidden``, ``reduce_dim``, ``anchors_per_class``,
#: ``attention_heads`` in a condition file).
MAX_LAYER_WIDTH = 65_536
#: Bytes one Monte-Carlo resample of ``affectctl compare`` holds at once: float64 null
#: values of the running sample-level test and of the error-distance nulls. Measured: 24
#: bytes per resample (peak RSS +6.7 MiB going from 999 to 300,000 resamples, two
#: conditions, AR or bootstrap, Holm or Westfall-Young); 64 leaves room for more conditions.
RESAMPLE_BYTES = 64
#: Memory of one training worker process (torch loaded, a small model, one dataset copy):
#: an upper estimate for ``--workers``, whose documented limit is the machine's core count.
WORKER_BYTES = 512 * 2**20
#: Largest seed of the random generators (numpy takes any non-negative integer; this keeps
#: seeds printable and storable as 128-bit integers).
MAX_RNG_SEED = 2**128 - 1
#: Documented upper limit of ``affectctl power --samples`` (a test set's size): the exact
#: McNemar power sums over the discordant counts, so its time grows with the size (10^7:
#: about 5 s on one core; 10^8 took 31 s and 10^12 would run for days).
MAX_TEST_SAMPLES = 10_000_000
#: Documented upper limit of a name's length (conditions, runs, plans, tables, reports), in
#: characters; a name must also fit one file-name component (255 bytes of UTF-8).
MAX_NAME_LENGTH = 128
#: Share of the available memory an option may claim.
MEMORY_SHARE = 0.5


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (``MemAvailable`` of /proc/meminfo),
    or ``None`` when the platform does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def fmt_set(allowed) -> str:
    """``{'a', 'b'}`` in the given order (a Python set would print in hash order).

    >>> fmt_set(ALTERNATIVES)
    "{'two-sided', 'greater', 'less'}"
    """
    return "{" + ", ".join(repr(a) for a in allowed) + "}"


def check_choice(name: str, value, allowed) -> str:
    """Return ``value`` if it is one of ``allowed``; raise ConfigError naming all three.

    >>> check_choice("alternative", "less", ALTERNATIVES)
    'less'
    """
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"`{name}` must be one of {fmt_set(allowed)}; got {value!r}.")
    return value


def check_name(option: str, name) -> str:
    """Return ``name`` if it is one plain, printable path component; else raise ConfigError.

    Rejected: empty names, ``.`` and ``..``, names holding ``/`` (or ``\\``, or the
    platform's separators), absolute paths, NUL bytes, control and format characters
    (ESC, newline, bidirectional overrides: anything :meth:`str.isprintable` refuses),
    leading or trailing white space, and names longer than :data:`MAX_NAME_LENGTH`
    characters or 255 bytes of UTF-8. The message shows the name as :func:`repr` does,
    its control characters as visible escapes.

    >>> check_name("--name", "run-1")
    'run-1'
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"`{option}` must be a non-empty name; got {name!r}.")
    shown = repr(name) if len(name) <= 80 else repr(name[:60]) + "..."
    seps = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if "\x00" in name:
        raise ConfigError(f"`{option}` must not contain a NUL byte; got {shown}.")
    if not name.isprintable():
        bad = sorted({f"U+{ord(c):04X}" for c in name if not c.isprintable()})
        raise ConfigError(f"`{option}` must be printable (no control, format or line-break "
                          f"characters; found {', '.join(bad)}); got {shown}.")
    if name != name.strip():
        raise ConfigError(f"`{option}` must not start or end with white space; got {shown}.")
    if len(name) > MAX_NAME_LENGTH or len(name.encode("utf-8")) > 255:
        raise ConfigError(f"`{option}` must be at most {MAX_NAME_LENGTH} characters (and 255 "
                          f"bytes of UTF-8); got {len(name)} characters: {shown}.")
    if os.path.isabs(name) or any(s in name for s in seps):
        raise ConfigError(f"`{option}` must be a plain name without path separators or an absolute "
                          f"path (it names a folder inside its root); got {shown}.")
    if name in (".", ".."):
        raise ConfigError(f"`{option}` must not be '.' or '..'; got {shown}.")
    return name


def contained(root: "str | Path", name, *, option: str) -> Path:
    """``root / name`` after :func:`check_name`, checked to stay inside ``root`` once symbolic
    links are resolved (a name that is a link to elsewhere is refused too)."""
    check_name(option, name)
    path = Path(root) / name
    return check_inside(root, path, option=option)


def check_inside(root: "str | Path", path: "str | Path", *, option: str) -> Path:
    """Return ``path`` if it resolves inside ``root``; else raise ConfigError naming ``option``."""
    root_r, path_r = Path(root).resolve(), Path(path).resolve()
    if path_r != root_r and root_r not in path_r.parents:
        raise ConfigError(f"`{option}`: {path} resolves to {path_r}, outside {root} "
                          f"({root_r}); names must stay inside their folder.")
    return Path(path)


def check_output_dir(option: str, path: "str | Path") -> Path:
    """Return ``path`` if it is a folder, or can be created as one, and is writable.

    Raises ConfigError naming ``option`` when ``path`` is an existing file, lies under a
    file, or is (under) a folder this process cannot write.
    """
    path = Path(path)
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            raise ConfigError(f"`{option}`: the name {part[:40]!r}... is {len(part.encode())} bytes "
                              "long; a file or folder name may have at most 255.")
    if len(str(path).encode("utf-8", "surrogateescape")) > 4000:
        raise ConfigError(f"`{option}`: the path is {len(str(path).encode()):,} bytes long; at "
                          "most 4,000 are allowed.")
    probe = path
    while True:
        if probe.is_symlink() and not probe.exists():
            raise ConfigError(f"`{option}`: {probe} {describe_missing(probe)}")
        if probe.exists():
            break
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        what = "is a file" if probe == path else f"lies under {probe}, which is a file"
        raise ConfigError(f"`{option}`: {path} {what}, not a folder.")
    where = "" if probe == path else f" (its nearest existing folder {probe})"
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"`{option}`: {path}{where} is not writable.")
    if probe.is_dir():
        # os.access says yes to root everywhere; /proc, read-only mounts and full disks
        # say no only to a real write, so try one (a temporary file, removed at once)
        import tempfile

        try:
            with tempfile.TemporaryFile(dir=probe):
                pass
        except OSError as exc:
            reason = (exc.strerror or exc.__class__.__name__).lower()
            raise ConfigError(f"`{option}`: {path}{where} is not writable ({reason}).") from None
    return path


def check_count(option: str, value, *, limit: int, minimum: int = 1, bytes_each: int = 0,
                what: str = "") -> int:
    """An integer in ``[minimum, limit]`` whose memory (``value * bytes_each``) fits.

    Parameters
    ----------
    option : str
        The option as the user wrote it (``--permutations``, ``permutations``).
    value : int
    limit : int
        The documented upper limit.
    minimum : int, default 1
    bytes_each : int, default 0
        Memory held per unit at once; 0 skips the memory check.
    what : str
        What the memory is for, for the message.

    Raises
    ------
    ConfigError
        Naming the option, the limit, and the largest value that would fit.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"`{option}` must be an integer in [{minimum}, {limit:,}]; got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ConfigError(f"`{option}` must be an integer >= {minimum}; got {value}.")
    if bytes_each > 0:
        avail = available_memory()
        if avail is not None:
            budget = int(avail * MEMORY_SHARE)
            need = value * bytes_each
            fits = budget // bytes_each
            if need > budget and value <= limit:
                raise ConfigError(
                    f"`{option}` {value:,} needs about {_bytes(need)} of memory{what}; this machine "
                    f"has {_bytes(avail)} available, so at most {max(fits, 0):,} would fit "
                    f"({MEMORY_SHARE:.0%} of it).")
    if value > limit:
        fit = ""
        if bytes_each > 0 and (avail := available_memory()) is not None:
            fit = (f"; {value:,} would need about {_bytes(value * bytes_each)} of memory{what} and "
                   f"this machine has {_bytes(avail)} available")
        raise ConfigError(f"`{option}` must be at most {limit:,} (the documented limit){fit}; "
                          f"got {value:,}.")
    return value


def check_resamples(option: str, value) -> int:
    """``check_count`` for Monte-Carlo resamples: at most :data:`MAX_RESAMPLES` and
    :data:`RESAMPLE_BYTES` per resample within :data:`MEMORY_SHARE` of the free memory."""
    return check_count(option, value, limit=MAX_RESAMPLES, bytes_each=RESAMPLE_BYTES,
                       what=" for the null distributions")


def check_workers(option: str, value) -> "int | None":
    """Worker processes: ``None`` (the default) or 1 .. the machine's core count, each
    :data:`WORKER_BYTES` within :data:`MEMORY_SHARE` of the free memory."""
    if value is None:
        return None
    return check_count(option, value, limit=os.cpu_count() or 1, bytes_each=WORKER_BYTES,
                       what=" for the worker processes")


def check_seed(option: str, value) -> int:
    """A seed of the random generators: an integer in ``[0, MAX_RNG_SEED]``."""
    return check_count(option, value, limit=MAX_RNG_SEED, minimum=0)


def describe_missing(path: "str | Path") -> str:
    """Why ``path`` cannot be opened, as the end of a sentence (for a path that does not exist)."""
    path = Path(path)
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python < 3.13 reports loops this way
            return "is a symbolic link loop (it points back to itself)."
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "is a symbolic link loop (it points back to itself)."
            return f"is a broken symbolic link (to {os.readlink(path)}, which does not exist)."
        return "cannot be opened."
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (a folder on its path points back to itself)."
        if exc.errno == errno.ENOTDIR:
            return "does not exist (a part of its path is a file, not a folder)."
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "cannot be opened (permission denied)."
    return "does not exist."


_VIRTUAL_ROOTS = ("/proc", "/sys", "/dev")


def not_regular(path: "str | Path", *, folder_ok: bool = False) -> "str | None":
    """Why ``path`` is not a regular file (the end of a sentence), or None when it is one.

    Decided from :func:`os.stat` alone, so a named pipe is never opened (opening one
    blocks until a writer comes). Refused by type: folders (unless ``folder_ok``), named
    pipes, character and block devices (``/dev/zero``, ``/dev/urandom``), sockets, and
    the kernel's virtual files under ``/proc`` and ``/sys`` (regular files of size 0
    whose content is made as it is read). Missing paths: :func:`describe_missing`.
    """
    import stat

    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return describe_missing(path)
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        return None if folder_ok else "is a folder, not a file."
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    for test, kind in kinds:
        if test(mode):
            return (f"is {kind}, not a regular file; affectctl reads only regular files "
                    "(save the data to a file first).")
    if not stat.S_ISREG(mode):  # pragma: no cover - doors, whiteouts
        return "is not a regular file."
    real = os.path.realpath(path)
    if any(real == r or real.startswith(r + "/") for r in _VIRTUAL_ROOTS):
        return (f"is a virtual file of the kernel ({real}), not a data file; affectctl reads only "
                "regular files (save the data to a file first).")
    return None


def check_regular_file(what: str, path: "str | Path", *, folder_ok: bool = False) -> Path:
    """Return ``path`` if it is a regular file (or, with ``folder_ok``, a folder); else raise
    ConfigError ``<what>: <path> <reason>`` (:func:`not_regular`)."""
    reason = not_regular(path, folder_ok=folder_ok)
    if reason is not None:
        raise ConfigError(f"{what}: {path} {reason}")
    return Path(path)


#: Deepest nesting of tables and arrays accepted in a TOML file (a plan, a condition, a
#: launcher file); affectctl's own files nest at most 3 levels.
MAX_TOML_DEPTH = 32


def _depth(value, limit: int, level: int = 0) -> int:
    if level > limit:
        return level
    if isinstance(value, dict):
        return max((_depth(v, limit, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, limit, level + 1) for v in value), default=level + 1)
    return level


def parse_toml(text: str, source) -> dict:
    """Parse TOML ``text``; errors (syntax, nesting deeper than :data:`MAX_TOML_DEPTH`, which
    also stops the parser's recursion) are one ConfigError naming ``source``."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    opened = sum(text.count(c) for c in "[{")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc}).") from None
    except RecursionError:
        raise ConfigError(f"{source}: tables or arrays nested too deeply (about {opened:,} "
                          f"levels; at most {MAX_TOML_DEPTH} are allowed).") from None
    if _depth(raw, MAX_TOML_DEPTH) > MAX_TOML_DEPTH:
        raise ConfigError(f"{source}: tables or arrays nested more than {MAX_TOML_DEPTH} levels "
                          "deep.")
    return raw


def read_toml(path: "str | Path", what: str) -> dict:
    """Read a TOML file: a regular file (:func:`not_regular`), UTF-8, :func:`parse_toml`."""
    path = Path(path)
    reason = not_regular(path)
    if reason is not None:
        raise ConfigError(f"{what} {path} {reason}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML (byte {exc.start} is not UTF-8).") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({(exc.strerror or str(exc)).lower()}).") from None
    return parse_toml(text, path)

# ----------------------------------------------------------------------------- library checks
# The checks of the library's keyword arguments (messages name the keyword, the allowed
# values and the value received); numpy is imported only where a value may be a numpy type.


def _is_bool(value) -> bool:
    """``value`` is a Python or numpy bool (an int to ``isinstance``, never a count)."""
    if isinstance(value, bool):
        return True
    import numpy as np

    return isinstance(value, np.bool_)


def check_alternative(alternative) -> str:
    return check_choice("alternative", alternative, ALTERNATIVES)


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_n_resamples(n_resamples, *, name: str = "n_resamples") -> int:
    """The number of Monte-Carlo resamples: an integer >= 1 (not a bool). The one check of
    it; :func:`check_resamples` adds the documented limit and this machine's memory."""
    return check_positive_int(name, n_resamples, minimum=1)


def check_unit_interval(name: str, value) -> float:
    """A number in the open interval (0, 1) (``confidence``, ``alpha``)."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise ConfigError(f"`{name}` must be a number in the open interval (0, 1); got {value!r}.")
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ConfigError(f"`{name}` must be a number in the open interval (0, 1); got {value!r}.")
    return value


def check_alpha(alpha) -> float | None:
    """``alpha`` is ``None`` (no reachability warning) or a number in (0, 1)."""
    if alpha is None:
        return None
    return check_unit_interval("alpha", alpha)


def check_confidence(confidence) -> float:
    return check_unit_interval("confidence", confidence)


def check_bool_or_none(name: str, value):
    if value is None or _is_bool(value):
        return None if value is None else bool(value)
    raise ConfigError(f"`{name}` must be one of {{None, True, False}}; got {value!r}.")


def normalize_rng(rng) -> tuple[np.random.Generator, int]:
    """Return ``(generator, seed)``; the seed reproduces the draws exactly.

    * ``None``: a fresh 63-bit seed is drawn from OS entropy
      (``np.random.SeedSequence()``) and reported.
    * ``int`` (>= 0): used as is, ``np.random.default_rng(seed)``; the same int is reported.
    * ``np.random.Generator``: a 63-bit seed is drawn *from that generator* (so it
      advances, and two calls sharing it get different draws) and the test draws from
      ``np.random.default_rng(seed)``. Passing ``default_rng(s)`` therefore differs
      from passing ``s``, but the reported seed reproduces the result in both cases.
    """
    import numpy as np

    if rng is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    elif isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**63 - 1))
    elif isinstance(rng, numbers.Integral) and not _is_bool(rng):
        if rng < 0:
            raise ConfigError(f"`rng` must be None, an int >= 0 or a numpy.random.Generator; "
                              f"got {rng!r}.")
        seed = int(rng)
    else:
        raise ConfigError("`rng` must be None, an int >= 0 or a numpy.random.Generator; "
                          f"got {rng!r}.")
    return np.random.default_rng(seed), seed
