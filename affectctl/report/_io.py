"""Atomic file writing for reports (temporary file in the same folder, then ``os.replace``)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import dumps


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: "str | Path", write) -> Path:
    """``write(tmp)`` then move ``tmp`` onto ``path`` (:func:`affectctl.dumps.atomic_write`).

    The temporary file gets the permissions an ordinary ``open()`` would give
    (``0o666`` minus the umask) before the rename, because :func:`tempfile.mkstemp`
    creates it readable by its owner only; reports are meant to be shared.
    """
    mode = 0o666 & ~_umask()

    def write_and_chmod(tmp: Path) -> None:
        write(tmp)
        os.chmod(tmp, mode)

    return dumps.atomic_write(Path(path), write_and_chmod)


def write_text_atomically(path: "str | Path", text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
