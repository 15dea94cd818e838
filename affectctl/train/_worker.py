"""A training worker process: ``python -m affectctl.train._worker``.

Protocol (pickles over the standard streams, see :class:`affectctl.train.runner.WorkerPool`):
the parent writes the :class:`~affectctl.train.datasets.FeatureData` once, then one job
``(condition, seed, path, embeddings)`` at a time; the worker answers each job with
``("epoch", epoch, epochs, mean loss, seconds)`` after each epoch (for progress), then
``("ok", path)`` or ``("error", exception, traceback text)``. End of input ends the
worker at once (``os._exit``, no interpreter teardown). Anything the training code
prints goes to stderr, never into the channel.

Workers are fresh interpreters started with :mod:`subprocess`, not
``multiprocessing`` "spawn" processes, so a user's script calling
:func:`affectctl.train.sweep` needs no ``if __name__ == "__main__"`` guard (spawn
re-imports the caller's main module in every child).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback


def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
    # a stopped sweep terminates its workers: unwinding (instead of dying where it stands)
    # lets a write in progress remove its temporary file
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    source = sys.stdin.buffer
    data = pickle.load(source)

    from affectctl.train.loop import run_one  # torch loads here, once per worker

    while True:
        try:
            condition, seed, path, embeddings = pickle.load(source)
        except EOFError:
            _exit_now(channel)
        def on_epoch(epoch, epochs, loss, seconds):
            pickle.dump(("epoch", epoch, epochs, loss, seconds), channel)
            channel.flush()

        try:
            reply = ("ok", str(run_one(condition, data, seed, path, embeddings=embeddings,
                                       on_epoch=on_epoch)))
        except Exception as exc:  # reported to the parent, which re-raises it
            try:
                pickle.dumps(exc)
                payload = exc
            except Exception:
                payload = RuntimeError(repr(exc))
            reply = ("error", payload, traceback.format_exc())
        pickle.dump(reply, channel)
        channel.flush()


def _exit_now(channel) -> None:
    """End the worker without the interpreter's teardown.

    Every dump is complete by now (written to a temporary file and renamed), and the
    worker holds nothing else to release; tearing down torch, its compiler stack (which
    ``torch.optim`` imports) and sympy took the parent 0.8 s of waiting per sweep here.
    """
    channel.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
