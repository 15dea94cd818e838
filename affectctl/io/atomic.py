"""Atomic file writing: a temporary file in the same folder, then one ``os.replace``.

The one writer every file affectctl produces goes through (dumps, tables, figures,
JSON), so an interrupted run never leaves a half-written file under its final name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "write_text_atomically"]


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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: "str | Path", text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
