"""Run independent tasks on every usable core, in processes forked from this one.

:func:`run_forked` is a fork-join: ``workers - 1`` children are forked from the calling
process, which works too; each process claims the next task from a shared counter
until none is left, so a slow task does not hold up the others. A child sends each
result, and the warnings its task raised, back through a pipe, which a thread of the
caller empties as results come (a result larger than a pipe holds would otherwise keep
its child waiting, idle, until the caller is between two of its own tasks: the nulls of
a comparison's tests are); the caller gets the results in task order and the warnings
re-issued in task order, so what it sees does not depend on which process ran what.
The caller may first do something of its own (``while_waiting``: ``affectctl compare``
imports its report while the workers start on the tests).

Why not :class:`concurrent.futures.ProcessPoolExecutor` or :class:`multiprocessing.Pool`:
they send every task to a worker by pickling it, and the tasks this is for hold drawn
matplotlib figures (pickling and unpickling one costs about what writing it does, and
an unpickled figure is not guaranteed to write the same bytes); a child forked after
the tasks exist has them already. And their workers flush the standard streams when they
end, which can hang when another thread of the parent (the progress display) held a
stream's lock at the fork; these children never touch the standard streams and leave
with :func:`os._exit`.

A task that itself calls :func:`run_forked` runs its tasks in its own process, one after
the other: the cores are taken already.

The objects that exist at the fork are frozen for the garbage collector
(:func:`gc.freeze`, as the :mod:`gc` documentation advises before a fork without exec)
until the tasks are done (when the caller had frozen objects already, as the console
script does after its start-up, nothing is unfrozen: its freeze and this one stay):
every process's collections then skip them, instead of traversing them all again (in a
child, writing to each, which copies every page they live on). Drawing and writing a
3,000-row comparison's 8 figures on 2 processes: 2.06 → 1.90 s (4 runs each, alternating).

A child is ended by the kernel when the thread that forked it ends (``PR_SET_PDEATHSIG``),
however it ends: a ``kill -9`` of ``affectctl compare`` does not leave workers drawing
for nobody while holding the report folder's lock, which they share with the parent.
The forking thread cannot end before its children, as :func:`run_forked` waits for them.

Forking is used on Linux only (macOS's system libraries are not fork-safe, Windows has
no fork); elsewhere, with one usable core or one task, the tasks run here, in order.
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import queue
import signal
import sys
import threading
import warnings
from typing import Callable, Sequence

from affectctl._util.machine import usable_cpus

__all__ = ["fork_workers", "run_forked", "WorkerDiedError"]

#: At most this many processes (the parent included), whatever the machine has.
MAX_WORKERS = 8
#: True in a worker and in the parent while it runs tasks beside its workers.
_BUSY = False


class WorkerDiedError(RuntimeError):
    """A forked worker ended without reporting the task it had claimed."""


def fork_workers(workers: "int | None", n_tasks: int) -> int:
    """The number of processes :func:`run_forked` uses for ``n_tasks`` tasks (1: no fork).

    ``workers`` None means every usable core (:func:`~affectctl._util.machine.usable_cpus`),
    at most :data:`MAX_WORKERS`; never more than the tasks; 1 where fork is not used and
    inside a task of a running :func:`run_forked`.
    """
    if _BUSY or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    if workers is None:
        workers = min(usable_cpus(), MAX_WORKERS)
    return max(1, min(int(workers), n_tasks))


def run_forked(tasks: Sequence[Callable[[], object]], *, workers: "int | None" = None,
               on_done: "Callable[[int], None] | None" = None,
               while_waiting: "Callable[[], object] | None" = None) -> list:
    """Call every task once; return their results in task order.

    Parameters
    ----------
    tasks : sequence of callables without arguments
        Independent of each other: any order, any process. Their results must pickle.
    workers : int, optional
        Processes to use, this one included (default: :func:`fork_workers`).
    on_done : callable, optional
        ``on_done(i)`` in this process when task ``i`` has finished (in completion order).
    while_waiting : callable, optional
        Called once in this process right after the workers are forked, before it claims
        a task: a head start for what the caller does next (``affectctl compare`` imports
        its report there while the workers start on the tests). Its errors are dropped:
        the caller's own next step meets them. Not called when nothing is forked.

    Raises
    ------
    Exception
        The first failure in task order, once every process has stopped (a child's
        exception is re-raised here when it pickles, else as a :class:`RuntimeError`
        naming it).
    WorkerDiedError
        When a child ended (killed, out of memory) without reporting its task.
    """
    tasks = list(tasks)
    n_proc = fork_workers(workers, len(tasks))
    if n_proc <= 1:
        results = []
        for i, task in enumerate(tasks):
            results.append(task())
            if on_done is not None:
                on_done(i)
        return results
    global _BUSY
    _BUSY = True
    try:
        return _run_parallel(tasks, n_proc, on_done, while_waiting)
    finally:
        _BUSY = False


# ----------------------------------------------------------------------------------------------

def _claim(counter, n: int) -> "int | None":
    with counter.get_lock():
        i = counter.value
        if i >= n:
            return None
        counter.value = i + 1
        return i


def _outcome(task) -> tuple:
    """``("ok", result, warnings)`` or ``("error", exception, warnings)`` of one task."""
    with warnings.catch_warnings(record=True) as caught:
        try:
            value = ("ok", task())
        except Exception as exc:                    # re-raised by the parent
            value = ("error", exc)
    return (*value, [(str(w.message), w.category, w.filename, w.lineno) for w in caught])


def _picklable(message: tuple) -> tuple:
    try:
        pickle.loads(pickle.dumps(message))        # some exceptions dump but do not load
        return message
    except Exception:
        kind, value, caught = message
        if kind == "error":
            value = RuntimeError(f"{type(value).__name__}: {value}")
        else:
            value = RuntimeError(f"a task's result does not pickle ({type(value).__name__})")
            kind = "error"
        caught = [(text, UserWarning if not _pickles(cat) else cat, f, n)
                  for text, cat, f, n in caught]
        return kind, value, caught


def _pickles(obj) -> bool:
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False


@functools.cache
def _parent_death_signal():
    """The C library's ``prctl`` (for ``PR_SET_PDEATHSIG``) as a callable, or None."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong]
    return prctl


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent ends, however (``kill -9``
    included): an orphaned worker would go on drawing for nobody, and it holds what the
    parent held at the fork (the lock of the report folder: the next run would find the
    folder busy). ``PR_SET_PDEATHSIG`` (Linux, ``prctl(2)``); a parent already gone
    before it took effect is seen by ``getppid``."""
    prctl = _parent_death_signal()
    if prctl is not None:
        prctl(1, signal.SIGKILL, 0, 0, 0)            # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _child(tasks, counter, conn, parent: int) -> None:
    """The loop of a forked worker; never returns (``os._exit``)."""
    status = 1
    try:
        _die_with(parent)
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C ends it at once, quietly
        while (i := _claim(counter, len(tasks))) is not None:
            conn.send((i, *_picklable(_outcome(tasks[i]))))
        status = 0
    except BaseException:                            # the parent sees the missing task
        pass
    finally:
        os._exit(status)


def _run_parallel(tasks, n_proc: int, on_done, while_waiting=None) -> list:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    n = len(tasks)
    outcomes: dict = {}
    children: dict = {}                             # pid -> read end
    # the children's collections skip what exists now (module doc); after a caller's own
    # freeze (the console script's start-up, a pre-forking server) nothing is unfrozen
    unfreeze = gc.get_freeze_count() == 0
    gc.freeze()
    drain = None
    parent = os.getpid()
    _parent_death_signal()                           # loaded here: the children only call it
    try:
        for _ in range(n_proc - 1):
            reader, writer = ctx.Pipe(duplex=False)
            with warnings.catch_warnings():
                # Python >= 3.12 warns when a process with threads forks; see the module
                # docstring for why the child cannot meet a lock another thread holds
                warnings.filterwarnings("ignore", category=DeprecationWarning,
                                        message=r".*fork\(\) may lead to deadlocks")
                pid = os.fork()
            if pid == 0:
                reader.close()
                _child(tasks, counter, writer, parent)
            writer.close()
            children[pid] = reader

        # a thread takes every result off the pipes as it comes: a child whose result
        # is larger than a pipe holds (64 KiB: a null distribution of 9,999 draws) would
        # otherwise wait, idle, until this process is between two of its own tasks
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        drain = threading.Thread(target=_drain, args=(dict(children), inbox), daemon=True,
                                 name="affectctl-forked-results")
        drain.start()

        def collect(block: bool) -> None:
            while children:
                try:
                    kind, pid, message = inbox.get(block=block)
                except queue.Empty:
                    return
                if kind == "eof":
                    del children[pid]
                    _reap(pid)
                elif kind == "failed":                 # the thread could not read a result
                    raise message
                else:
                    i, *outcome = message
                    outcomes[i] = tuple(outcome)
                    if on_done is not None:
                        on_done(i)
                block = False                       # then take what else is there

        if while_waiting is not None:
            try:
                while_waiting()
            except Exception:                        # a head start only (docstring)
                pass
        while (i := _claim(counter, n)) is not None:
            outcomes[i] = _outcome(tasks[i])
            if on_done is not None:
                on_done(i)
            if children:
                collect(block=False)
        while children:
            collect(block=True)
    finally:
        if unfreeze:
            gc.unfreeze()
        # only after an error here: the children left are ended (SIGTERM, then SIGKILL
        # after 10 s), which closes their pipes and so ends the thread
        _signal_all(children, signal.SIGTERM)
        if drain is not None:
            drain.join(timeout=10.0)
            if drain.is_alive():
                _signal_all(children, signal.SIGKILL)
                drain.join()
        else:                                       # failed while forking: nobody reads
            for conn in children.values():
                conn.close()
        for pid in children:
            _reap(pid)
    missing = [i for i in range(n) if i not in outcomes]
    if missing:
        raise WorkerDiedError(f"a worker process ended without finishing task(s) {missing}; "
                              "nothing of them was kept (run again, or with fewer workers if "
                              "memory is short).")
    results = []
    failure = None
    for i in range(n):
        kind, value, caught = outcomes[i]
        for text, category, filename, lineno in caught:
            warnings.warn_explicit(text, category, filename, lineno)
        if kind == "error" and failure is None:
            failure = value
        results.append(value if kind == "ok" else None)
    if failure is not None:
        raise failure
    return results


def _drain(readers: dict, inbox) -> None:
    """Put every message of the children's pipes (``{pid: read end}``) into ``inbox`` as
    ``("msg", pid, message)``, and ``("eof", pid, None)`` when a pipe closes (its child
    ended); return when all are closed. Runs in a thread of the parent.

    A message that cannot be read here (a result that unpickles in the child but not in
    the parent, memory) is put as ``("failed", pid, exception)``, which the caller
    raises, and that child's pipe is closed (it ends on its next send); the thread goes
    on reading the others, so that no child waits on a full pipe.
    """
    from multiprocessing.connection import wait

    by_conn = {conn: pid for pid, conn in readers.items()}
    while by_conn:
        for conn in wait(list(by_conn)):
            pid = by_conn[conn]
            try:
                inbox.put(("msg", pid, conn.recv()))
            except (EOFError, OSError):
                conn.close()
                del by_conn[conn]
                inbox.put(("eof", pid, None))
            except BaseException as exc:             # noqa: BLE001  (handed on, raised there)
                inbox.put(("failed", pid, RuntimeError(
                    f"a worker's result could not be read ({type(exc).__name__}: {exc})")))
                conn.close()                        # its child meets a closed pipe and ends
                del by_conn[conn]
                inbox.put(("eof", pid, None))


def _signal_all(children, signum) -> None:
    for pid in children:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
