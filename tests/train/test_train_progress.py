"""Per-epoch training progress: epoch, loss, elapsed and ETA of the run in progress."""

from __future__ import annotations

import math

import pytest

from affectctl.train import runner, sweep

pytest.importorskip("torch")

TINY = {"n_train_videos": 10, "n_test_videos": 4, "frames_per_video": 24}  # as conftest


class _Recorder:
    def __init__(self, *args):
        self.calls = []

    def begin(self, what):
        self.calls.append(("begin", what))

    def epoch(self, what, epoch, epochs, loss, seconds):
        self.calls.append(("epoch", what, epoch, epochs, loss, seconds))

    def advance(self, what):
        self.calls.append(("advance", what))

    def close(self, failed=False):
        self.calls.append(("close", failed))


def test_a_tiny_run_reports_every_epoch_between_its_start_and_its_end(tmp_path, fast_models,
                                                                     monkeypatch):
    bars = []
    monkeypatch.setattr(runner, "_progress", lambda *a: bars.append(_Recorder()) or bars[-1])
    sweep("tiny-base", seeds=[0], out=tmp_path, models_dir=fast_models, dataset_knobs=TINY,
          progress=True, workers=1)
    calls = bars[0].calls
    assert calls[0] == ("begin", "tiny-base seed 0")
    assert calls[-2:] == [("advance", "tiny-base seed 0"), ("close", False)]
    epochs = [c for c in calls if c[0] == "epoch"]
    n = epochs[0][3]
    assert [c[2] for c in epochs] == list(range(1, n + 1)) and n >= 1
    assert all(math.isfinite(c[4]) and c[4] > 0 for c in epochs)
    assert [c[5] for c in epochs] == sorted(c[5] for c in epochs)  # time since training began


class _FakeBar:
    def __init__(self, label):
        self.notes = []

    def start(self, total, completed=0, note=""):
        pass

    def update(self, *, completed=None, advance=0, note=None):
        self.notes.append(note)

    def stop(self, *, erase=False):
        pass


def test_the_note_names_the_runs_in_progress_not_the_last_finished(monkeypatch):
    import affectctl._util.progress as progress

    monkeypatch.setattr(progress, "Bar", _FakeBar)
    bar = runner._RichBar(3, 0, "sim")
    bar.begin("base seed 0")
    bar.begin("base seed 1")
    bar.epoch("base seed 0", 5, 20, 0.51234, 10.0)
    assert bar._bar.notes[-1] == ("base seed 0: epoch 5/20, loss 0.512, 0:00:10, ETA 0:00:30; "
                                  "base seed 1")
    bar.advance("base seed 0")
    assert bar._bar.notes[-1] == "base seed 1"
    bar.advance("base seed 1")
    assert bar._bar.notes[-1] == ""
    bar.advance("uniform seed 0")  # a job whose start this bar did not see (Slurm)
    assert bar._bar.notes[-1] == "uniform seed 0 finished"


def test_short_runs_show_only_their_name():
    assert runner.epoch_note("base seed 0", 1, 20, 1.0, 0.2) == "base seed 0"
    assert runner.epoch_note("b", 1, 4, 2.0, 3.0) == "b: epoch 1/4, loss 2.000, 0:00:03, ETA 0:00:09"
