"""The fork-join task runner (affectctl._util.forked) and the figure batch built on it."""

from __future__ import annotations

import os
import sys
import time
import warnings

import pytest

from affectctl._util import forked
from affectctl._util.forked import WorkerDiedError, fork_workers, run_forked

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="run_forked forks on Linux only (serial elsewhere)")


def _slow(i):
    def task():
        time.sleep(0.05)
        return (i, os.getpid())
    return task


def test_serial_when_one_worker():
    done = []
    out = run_forked([_slow(i) for i in range(3)], workers=1, on_done=done.append)
    assert [r[0] for r in out] == [0, 1, 2] and {r[1] for r in out} == {os.getpid()}
    assert done == [0, 1, 2]


def test_fork_workers_bounds():
    assert fork_workers(1, 10) == 1
    assert fork_workers(4, 2) in (1, 2)          # never more processes than tasks
    assert fork_workers(None, 1) == 1


@linux_only
def test_results_in_task_order_from_two_processes():
    done = []
    out = run_forked([_slow(i) for i in range(8)], workers=2, on_done=done.append)
    assert [r[0] for r in out] == list(range(8))
    assert len({r[1] for r in out}) == 2           # the work was shared
    assert sorted(done) == list(range(8))           # each finished task reported once


@linux_only
def test_warnings_come_back_in_task_order():
    def warn(i):
        def task():
            time.sleep(0.03)
            warnings.warn(f"task {i}", UserWarning)
            return i
        return task

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_forked([warn(i) for i in range(6)], workers=2)
    assert [str(w.message) for w in caught] == [f"task {i}" for i in range(6)]


@linux_only
def test_a_failure_is_raised_after_every_task_ran(tmp_path):
    def task(i):
        def run():
            time.sleep(0.03)
            (tmp_path / f"ran-{i}").touch()
            if i == 2:
                raise ValueError("task 2 failed")
            return i
        return run

    with pytest.raises(ValueError, match="task 2 failed"):
        run_forked([task(i) for i in range(6)], workers=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ran-{i}" for i in range(6)]


@linux_only
def test_the_collector_is_frozen_only_while_the_tasks_run():
    # gc.freeze() before the fork (children skip the parent's objects), gc.unfreeze() after:
    # the caller's objects are collectable again, after a failing task too
    import gc

    def frozen():
        return gc.get_freeze_count() > 0

    def fail():
        raise ValueError("no")

    assert gc.get_freeze_count() == 0
    assert run_forked([frozen, frozen], workers=2) == [True, True]
    assert gc.get_freeze_count() == 0
    with pytest.raises(ValueError):
        run_forked([fail, frozen], workers=2)
    assert gc.get_freeze_count() == 0
    # after a caller's own freeze (the console script's start-up, a pre-forking server)
    # nothing is unfrozen, and what the caller made since is frozen at the fork too
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        made_since = [[i] for i in range(1000)]
        assert run_forked([frozen, frozen], workers=2) == [True, True]
        assert gc.get_freeze_count() > before + len(made_since) // 2  # (some freed since)
    finally:
        gc.unfreeze()


@linux_only
def test_a_worker_that_dies_is_an_error():
    parent = os.getpid()

    def task():
        if os.getpid() != parent:
            os._exit(3)                              # a killed worker: nothing reported
        time.sleep(0.2)

    with pytest.raises(WorkerDiedError, match="ended without finishing"):
        run_forked([task] * 4, workers=2)


def test_not_forking_off_linux(monkeypatch):
    monkeypatch.setattr(forked.sys, "platform", "darwin")
    assert fork_workers(None, 10) == 1 and fork_workers(4, 10) == 1


@linux_only
@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_batched_figures_have_the_bytes_of_figures_written_at_once(tmp_path, fmt):
    import matplotlib as mpl
    from matplotlib.figure import Figure

    from affectctl.report.figures.save import figure_batch, write_figure
    from affectctl.report.figures.style import PAPER_RC

    def draw(i):
        fig = Figure(figsize=(3, 2), layout="constrained")
        ax = fig.subplots()
        ax.plot([0, 1, 2], [i, 2 * i, i])
        ax.set_title(f"figure {i}: Anger–Fear")
        return fig

    with mpl.rc_context(PAPER_RC):
        for i in range(4):
            write_figure(draw(i), tmp_path / "once", f"f{i}", (fmt,))
        ticks = []
        with figure_batch(workers=2, progress=lambda d, n, name: ticks.append((d, n))):
            files = {}
            for i in range(4):
                files.update(write_figure(draw(i), tmp_path / "batch", f"f{i}", (fmt,)))
            assert not any(p.exists() for p in files.values())   # held until the block ends
    for i in range(4):
        name = f"f{i}.{fmt}"
        assert (tmp_path / "batch" / name).read_bytes() == (tmp_path / "once" / name).read_bytes()
    assert sorted(ticks) == [(d, 4) for d in range(1, 5)]


def test_a_batch_that_raises_writes_nothing(tmp_path):
    from matplotlib.figure import Figure

    from affectctl.report.figures.save import figure_batch, write_figure

    with pytest.raises(KeyError):
        with figure_batch(workers=2):
            fig = Figure()
            fig.subplots().plot([0, 1])
            write_figure(fig, tmp_path, "held", ("png",))
            raise KeyError("stop")
    assert not (tmp_path / "held.png").exists()


def _big(i):
    def task():
        return i, os.getpid(), time.monotonic(), b"x" * (1 << 20)   # 1 MiB: more than a pipe holds
    return task


@linux_only
def test_a_child_is_not_held_up_by_a_large_result():
    # the parent sleeps in its head start, before it takes any task: the child does them
    # all meanwhile, which it can only if its results are taken off the pipe as they come
    # (without that, it waits on its first 1 MiB result until the parent reads)
    slept = []

    def nap():
        time.sleep(1.0)
        slept.append(time.monotonic())

    out = run_forked([_big(i) for i in range(5)], workers=2, while_waiting=nap)
    assert [r[0] for r in out] == list(range(5)) and all(len(r[3]) == 1 << 20 for r in out)
    assert {r[1] for r in out} != {os.getpid()}
    assert all(r[2] < slept[0] for r in out), "the child waited for the parent to read"


@linux_only
def test_while_waiting_runs_once_in_this_process_and_its_error_is_dropped():
    calls = []

    def head_start():
        calls.append(os.getpid())
        raise ImportError("a head start may fail: the caller's own step meets it")

    out = run_forked([_slow(i) for i in range(4)], workers=2, while_waiting=head_start)
    assert [r[0] for r in out] == [0, 1, 2, 3]
    assert calls == [os.getpid()]


def test_while_waiting_is_not_called_without_a_fork():
    calls = []
    run_forked([_slow(i) for i in range(3)], workers=1, while_waiting=lambda: calls.append(1))
    run_forked([_slow(0)], workers=2, while_waiting=lambda: calls.append(1))   # one task
    assert calls == []


class _LoadsOnlyInTheChild:
    """Pickles anywhere; unpickling fails in any process but the one that made it."""

    def __init__(self):
        self.pid = os.getpid()

    def __reduce__(self):
        return (_check_pid, (self.pid,))


def _check_pid(pid):
    if os.getpid() == pid:
        return "loaded"
    raise ValueError("this result cannot be read here")


@linux_only
def test_a_result_the_parent_cannot_read_is_an_error_not_a_hang():
    # the child's own pickle round trip succeeds (it unpickles in the child), the parent's
    # read fails: the run must end with an error naming it, not wait for ever
    def task():
        return _LoadsOnlyInTheChild() if os.getpid() != PARENT[0] else "parent"

    PARENT[0] = os.getpid()

    def nap():                                      # the child takes the tasks meanwhile
        time.sleep(0.5)

    import threading

    caught = []

    def run():
        try:
            run_forked([task] * 3, workers=2, while_waiting=nap)
        except Exception as exc:                    # noqa: BLE001  (checked below)
            caught.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive(), "run_forked hung on a result it could not read"
    assert len(caught) == 1 and isinstance(caught[0], RuntimeError)
    assert "could not be read" in str(caught[0]) and "cannot be read here" in str(caught[0])


PARENT = [0]


_ORPHAN_SCRIPT = """
import os, sys, time
from affectctl._util.forked import run_forked

def task():
    with open(os.path.join(sys.argv[1], str(os.getpid())), "w"):
        pass
    time.sleep(60)

run_forked([task, task], workers=2)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie has ended
    except FileNotFoundError:
        return False


@linux_only
def test_workers_end_with_a_parent_killed_with_kill_9(tmp_path):
    """An orphaned worker would draw on for nobody and keep what the parent held at the
    fork (a report folder's lock: the next run found the folder busy)."""
    import signal
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT, str(tmp_path)])
    deadline = time.monotonic() + 60
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    pids = {int(p.name) for p in tmp_path.iterdir()}
    assert len(pids) == 2 and proc.pid in pids      # the parent and its worker
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (worker,) = pids - {proc.pid}
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(worker), "the worker outlived its killed parent"
