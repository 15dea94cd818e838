"""Atomic file writing: a temporary file in the same folder, then one ``os.replace``.

The one writer every file affectctl produces goes through (dumps, tables, figures,
JSON), so an interrupted run never leaves a half-written file under its final name.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "write_text_atomically", "whole_folder", "FolderBusyError"]


def atomic_write(path: "str | Path", write) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``path`` in one rename.

    An interrupted run leaves at most a ``.tmp`` file that no reader picks up, never a
    half-written file under the final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp creates 0600; give the file the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno is not None and exc.filename in (None, tmp):  # ENOSPC: name the file
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: "str | Path", text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


# ----------------------------------------------------------------------------- whole folders

#: Files a report folder holds (any earlier affectctl version): a folder holding only these
#: (and orphan ``.<file>.*.tmp`` files of an interrupted write) is a previous report, replaced
#: whole; any other entry makes it someone's folder, never replaced.
_REPORT_FILE = re.compile(r"^(?:[^/]+\.(?:md|tex|csv|json|html|png|pdf|svg|eps|jpg|css|js)"
                          r"|\..+\.tmp)$")
#: Files that are data, never report output: prediction dumps and their sidecars.
_DATA_FILE = re.compile(r"^seed-\d+\.(?:csv|parquet)(?:\.(?:meta|timing)\.json)?$")


class FolderBusyError(OSError):
    """Another process holds the lock of a report folder."""


def _has_ended(holder: str) -> bool:
    """Whether ``holder`` (the pid a lock file holds) names a process that no longer runs."""
    if not holder.isdigit():
        return False
    try:
        os.kill(int(holder), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    try:  # killed but not yet reaped by its parent: a zombie has ended too (Linux)
        with open(f"/proc/{int(holder)}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def _is_previous_report(folder: Path, depth: int = 0) -> "tuple[bool, list]":
    """Whether ``folder`` holds only report files (a sub-folder of them, one level deep, is
    allowed: a figures folder); else the names that are not."""
    foreign = []
    for p in folder.iterdir():
        if p.is_symlink():
            foreign.append(p.name)
        elif p.is_dir():
            if depth >= 1 or not _is_previous_report(p, depth + 1)[0]:
                foreign.append(p.name)
        elif not _REPORT_FILE.match(p.name) or _DATA_FILE.match(p.name):
            foreign.append(p.name)
    return not foreign, sorted(foreign)


#: How long a lock is waited for whose writer has ended (its worker processes are ending).
ORPHAN_WAIT_S = 5.0


def _lock(path: Path):
    """An exclusive, non-blocking ``flock`` on ``path`` (created); the open descriptor, or
    FolderBusyError naming the holder's pid.

    The lock is held by the open file, which the writer's forked workers share: a writer
    killed with ``kill -9`` leaves it held until its workers have ended (the kernel ends
    them with it, :func:`affectctl._util.forked.run_forked`, but not in the same instant).
    So when the pid written in the lock file is no longer running, the lock is tried
    again for up to :data:`ORPHAN_WAIT_S` seconds before the folder is called busy.
    """
    import fcntl
    import time

    deadline = None
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            if _has_ended(holder):
                deadline = deadline or time.monotonic() + ORPHAN_WAIT_S
                if time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                holder += ", which has ended; its worker processes have not"
            raise FolderBusyError(holder) from None
        try:  # the holder before us may have removed the file after we opened it: retry
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


@contextmanager
def whole_folder(target: "str | Path", *, option: str = "--out"):
    """Write a folder as a whole: yield a temporary sibling, then rename it onto ``target``.

    Under an exclusive lock on ``target`` (``.<name>.lock`` beside it; a second writer gets
    a ConfigError naming the folder and the holder's pid), stale temporaries of killed runs
    (``.<name>.tmp-*``, ``.<name>.old-*``) are removed, the caller writes into a fresh
    ``.<name>.tmp-*`` folder, and on success the previous ``target`` (if any) is moved
    aside, the new folder renamed onto it and the old one removed. So ``target`` holds
    the previous folder or the new one, whole (for an instant between the two renames,
    nothing; a run killed right then gets the previous folder back at the next run);
    after ``kill -9`` no temporary survives the next run. On an error the
    temporary folder is removed and ``target`` is left as it was; an ``OSError`` names
    the file under ``target`` it concerns.

    A ``target`` that holds anything but report files (sub-folders, other file types) is
    someone's folder: refused, never replaced.
    """
    import shutil
    import tempfile

    from affectctl.errors import ConfigError

    target = Path(target)
    if target.is_symlink():  # replace the folder the link points to, keep the link
        target = target.resolve()
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    lock_path = parent / f".{target.name}.lock"
    try:
        fd = _lock(lock_path)
    except FolderBusyError as exc:
        raise ConfigError(f"`{option}`: {target} is being written by another affectctl run (pid "
                          f"{exc.args[0]}); wait for it to finish or write elsewhere.") from None
    tmp = None
    try:
        olds = sorted(parent.glob(f".{glob_escape(target.name)}.old-*"))
        if not target.exists() and len(olds) == 1:
            os.rename(olds[0], target)  # killed between the two renames: the previous report back
            olds = []
        for stale in [*parent.glob(f".{glob_escape(target.name)}.tmp-*"), *olds]:
            shutil.rmtree(stale, ignore_errors=True)
        if target.exists():
            if not target.is_dir():
                raise ConfigError(f"`{option}`: {target} is a file, not a folder.")
            ok, foreign = _is_previous_report(target)
            if not ok:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
                raise ConfigError(f"`{option}`: {target} holds entries that are not part of a report "
                                  f"({shown}); a report replaces its folder whole, so write it into "
                                  "a new or empty folder.")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700
        try:
            yield tmp
        except OSError as exc:
            name = exc.filename
            if exc.errno is not None and name and str(name).startswith(str(tmp)):
                shown = target / Path(name).relative_to(tmp)
                raise OSError(exc.errno, exc.strerror, str(shown)) from None
            raise
        if target.exists():
            old = parent / f".{target.name}.old-{os.getpid()}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.unlink(lock_path)
        except FileNotFoundError:
            pass
        os.close(fd)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped (:func:`glob.escape`)."""
    import glob

    return glob.escape(name)
