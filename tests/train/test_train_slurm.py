"""``--launcher slurm`` on a real single-node Slurm (Debian's slurm-wlm + munge).

The session fixture starts munged, slurmctld and slurmd with ``.ci/slurm`` (a throw-away
configuration in a temporary folder) and stops them at the end. Where Slurm cannot start
(not root, packages missing) the tests are skipped with the reason, except under
``CI=true``, where that is a failure: CI must run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.errors import ConfigError
from affectctl.train.launchers import launcher_config

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.xdist_group("slurm")]  # one worker owns the cluster


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """A running single-node Slurm; yields the environment that points its clients at it."""
    script = REPO / ".ci" / "slurm"
    folder = tmp_path_factory.mktemp("slurm")
    reason = None
    if os.geteuid() != 0:
        reason = "the Slurm daemons must start as root"
    else:
        proc = subprocess.run(["bash", str(script), "start", str(folder)], capture_output=True,
                              text=True, timeout=180)
        if proc.returncode != 0:
            reason = f"Slurm did not start: {(proc.stderr or proc.stdout).strip()[-2000:]}"
    if reason is not None:
        print(f"\nslurm fixture: {reason}")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the Slurm tests, but {reason}")
        pytest.skip(reason)
    old = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(folder / "slurm.conf")
    try:
        yield folder
    finally:
        if old is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = old
        subprocess.run(["bash", str(script), "stop", str(folder)], capture_output=True,
                       timeout=120)


FAST = "epochs = 3\nbatch_size = 64\n"


@pytest.fixture
def models(tmp_path):
    d = tmp_path / "models"
    d.mkdir()
    (d / "tiny-base.toml").write_text(FAST)
    (d / "tiny-circ.toml").write_text(FAST + 'ot_weight = 1.0\ncost = "circumplex"\n')
    return d


def _content(path):
    """Columns and metadata of a dump, less wall-clock timings (which differ run to run)."""
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"affectctl"])
    meta = {k: v for k, v in meta.items() if "seconds" not in k and "time" not in k}
    return table.replace_schema_metadata(None), meta


def _assert_same(a: dict, b: dict):
    assert list(a) == list(b)
    for key in a:
        ta, ma = _content(a[key])
        tb, mb = _content(b[key])
        assert ta.equals(tb), key
        assert ma == mb, key


def _cancel_first_task(task: int, found: list, stop: threading.Event):
    """scancel task ``task`` of the first affectctl job array that shows up in squeue."""
    while not stop.is_set():
        out = subprocess.run(["squeue", "-h", "-n", "affectctl-train", "-o", "%F"],
                             capture_output=True, text=True).stdout.split()
        if out:
            job = f"{out[0]}_{task}"
            subprocess.run(["scancel", job], check=True)
            found.append(job)
            return
        time.sleep(0.02)


def test_slurm_sweep_reports_a_cancelled_job_resumes_and_equals_the_local_sweep(
        slurm, tmp_path, models, tiny_data):
    """2 conditions x 2 seeds as one job array; task 1 is scancel'ed: the sweep exits 2 with
    one line naming it; the rerun submits only that run; the dumps equal the local ones."""
    n_tr, n_te = tiny_data.y_train.size, tiny_data.y_test.size
    feats = tmp_path / "feats.npz"
    np.savez(feats, X=np.vstack([tiny_data.X_train, tiny_data.X_test]),
             label=np.r_[tiny_data.y_train, tiny_data.y_test],
             split=np.array(["train"] * n_tr + ["test"] * n_te),
             taxonomy=np.array("affwild2-expr8"))
    out = tmp_path / "runs"

    def train(where, *extra):
        return CliRunner().invoke(app, ["train", "tiny-base", "tiny-circ", "--models", str(models),
                                        "--seeds", "2", "--features", str(feats), "--out",
                                        str(where), "--quiet", *extra])

    keep = tmp_path / "keep-logs.toml"
    keep.write_text("[launcher]\nkeep_logs = true\n")
    found: list = []
    stop = threading.Event()
    canceller = threading.Thread(target=_cancel_first_task, args=(1, found, stop), daemon=True)
    canceller.start()
    try:
        res = train(out, "--launcher", "slurm", "--slurm-time", "10", "--launcher-config", str(keep))
    finally:
        stop.set()
        canceller.join()
    assert found, "no job array showed up in squeue"
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert len(err) == 1, res.stderr
    # task 1 of conditions x seeds is tiny-base seed 1
    assert err[0].startswith("affectctl: error: 1 of 4 Slurm training job(s) failed (1 cancelled): "
                             f"tiny-base seed 1 (job {found[0]}, CANCELLED, exit "), err[0]
    # cancelled before it started: no log exists, and the message names none
    log = out / ".slurm" / found[0] / f"{found[0]}_0_log.err"
    if not log.exists():
        assert "no log: it never started" in err[0] and str(log) not in err[0], err[0]
    else:  # it had started: the log is named
        assert f"log {log.resolve()})" in err[0], err[0]
    assert "run the same command again" in err[0]
    dumps = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*/seed-*.parquet"))
    assert dumps == ["feats/tiny-base/seed-0.parquet", "feats/tiny-circ/seed-0.parquet",
                     "feats/tiny-circ/seed-1.parquet"]
    # the three other tasks ran in the same array, each importing the affectctl under test
    import affectctl

    logs = sorted(out.glob(".slurm/*/*_log.err"))
    assert {p.parent.name.split("_")[0] for p in logs} == {found[0].split("_")[0]}
    assert len(logs) == 3
    for p in logs:
        assert f"affectctl from {Path(affectctl.__file__).resolve()}" in p.read_text(), p
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*/seed-*.parquet")}

    res = train(out, "--launcher", "slurm")  # resume: submits only the missing run
    assert res.exit_code == 0, res.output
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    # keep_logs is off this time: the successful job's logs are removed, the kept ones stay
    assert len(list(out.glob(".slurm/*/*_log.err"))) == 3
    res = train(out, "--launcher", "slurm")  # everything is there: nothing submitted
    assert res.exit_code == 0 and len(list(out.glob(".slurm/*/*_log.err"))) == 3

    local = train(tmp_path / "local", "--workers", "1")  # the local launcher, in this process
    assert local.exit_code == 0, local.output
    key = [(c, s) for c in ("tiny-base", "tiny-circ") for s in (0, 1)]
    _assert_same({k: out / "feats" / k[0] / f"seed-{k[1]}.parquet" for k in key},
                 {k: tmp_path / "local" / "feats" / k[0] / f"seed-{k[1]}.parquet" for k in key})


def test_scancel_of_a_running_task_counts_as_cancelled(slurm, tmp_path, tiny_data):
    """A plain scancel of a running task (submitit ignores SIGTERM in the job) stops it and
    the sweep says it was cancelled, with no dump, instead of reporting success."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "slow.toml").write_text("epochs = 3000\nbatch_size = 16\n")
    n_tr, n_te = tiny_data.y_train.size, tiny_data.y_test.size
    feats = tmp_path / "feats.npz"
    np.savez(feats, X=np.vstack([tiny_data.X_train, tiny_data.X_test]),
             label=np.r_[tiny_data.y_train, tiny_data.y_test],
             split=np.array(["train"] * n_tr + ["test"] * n_te),
             taxonomy=np.array("affwild2-expr8"))
    found: list = []
    stop = threading.Event()

    def cancel_when_running():
        while not stop.is_set():
            out = subprocess.run(["squeue", "-h", "-n", "affectctl-train", "-t", "RUNNING", "-o",
                                  "%i"], capture_output=True, text=True).stdout.split()
            logs = list((tmp_path / "runs").glob(".slurm/*/*_log.err"))
            if out and logs and "affectctl from" in logs[0].read_text(errors="replace"):
                time.sleep(0.5)  # inside the training loop
                subprocess.run(["scancel", out[0]], check=True)
                found.append(out[0])
                return
            time.sleep(0.05)

    canceller = threading.Thread(target=cancel_when_running, daemon=True)
    canceller.start()
    t0 = time.monotonic()
    try:
        res = CliRunner().invoke(app, ["train", "slow", "--models", str(models), "--seeds", "1",
                                       "--features", str(feats), "--out", str(tmp_path / "runs"),
                                       "--quiet", "--launcher", "slurm", "--slurm-time", "10"])
    finally:
        stop.set()
        canceller.join()
    assert found, "the job never ran"
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "(1 cancelled)" in err[0] and "CANCELLED (SIGTERM" in err[0], err
    assert "no dump written" in err[0] and not list((tmp_path / "runs").glob("*/*/seed-*.parquet"))
    assert time.monotonic() - t0 < 120


# -------------------------------------------------------------------------------------------
# options (no cluster needed)

@pytest.mark.parametrize("value,minutes", [(90, 90), ("90", 90), ("1:30:00", 90), ("2:30", 3),
                                           ("1-00", 1440), ("1-2:30:00", 1590)])
def test_slurm_time_formats(value, minutes):
    assert launcher_config("slurm", time=value).time == minutes


def test_launcher_table_and_options_merge(tmp_path):
    f = tmp_path / "sweep.toml"
    f.write_text('[launcher]\ntype = "slurm"\npartition = "gpu"\ntime = "2:00:00"\ncpus = 2\n'
                 'mem = "8G"\n')
    cfg = launcher_config(file=f)
    assert (cfg.type, cfg.partition, cfg.time, cfg.cpus, cfg.mem) == ("slurm", "gpu", 120, 2, "8G")
    cfg = launcher_config("local", cpus=4, file=f)
    assert (cfg.type, cfg.cpus, cfg.partition) == ("local", 4, "gpu")
    assert launcher_config().type == "local"


@pytest.mark.parametrize("kwargs,pattern", [
    ({"launcher": "pbs"}, "--launcher must be one of ['local', 'slurm']; got 'pbs'"),
    ({"time": "soon"}, "--slurm-time must be minutes or [D-]HH:MM:SS"),
    ({"time": 0}, "--slurm-time must be at least one minute"),
    ({"cpus": 0}, "cpus must be a positive integer; got 0"),
    ({"mem": "lots"}, "mem must look like 4G or 4000M"),
    ({"table": {"queue": "x"}}, "[launcher]: unknown key(s) ['queue']"),
    ({"table": {"type": "sge"}}, "[launcher] type must be one of ['local', 'slurm']; got 'sge'"),
])
def test_bad_launcher_options(kwargs, pattern):
    launcher = kwargs.pop("launcher", None)
    with pytest.raises(ConfigError) as info:
        launcher_config(launcher, **kwargs)
    assert pattern in str(info.value)


def test_bad_launcher_option_on_the_command_line_is_one_line(tmp_path):
    res = CliRunner().invoke(app, ["train", "base", "--out", str(tmp_path), "--launcher", "slurm",
                                   "--slurm-mem", "much"])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert err == ["affectctl: error: --slurm-mem / [launcher] mem must look like 4G or 4000M "
                   "(Slurm's --mem); got 'much'."], err
    bad = tmp_path / "l.toml"
    bad.write_text("[launcher]\ncpu = 2\n")
    res = CliRunner().invoke(app, ["train", "base", "--out", str(tmp_path), "--launcher-config",
                                   str(bad)])
    assert res.exit_code == 2 and f"{bad}: [launcher]: unknown key(s) ['cpu']" in res.stderr


def test_an_analysis_plan_carries_a_launcher_table(tmp_path):
    from affectctl.report.plans import load_plan

    plan = tmp_path / "plan.toml"
    body = ('name = "x"\nconditions = ["base", "circumplex"]\ndatasets = ["sim-affwild2"]\n'
            '[[tables]]\nname = "t"\nmetrics = ["accuracy"]\n')
    plan.write_text(body + '[launcher]\ntype = "slurm"\npartition = "cpu"\ntime = 30\n')
    assert load_plan(plan).name == "x"  # the plan accepts the table
    cfg = launcher_config(file=plan)
    assert (cfg.type, cfg.partition, cfg.time) == ("slurm", "cpu", 30)
    plan.write_text(body + '[launcher]\ntype = "pbs"\n')
    res = CliRunner().invoke(app, ["report", str(plan), "--out", str(tmp_path / "r"),
                                   "--cache", str(tmp_path / "runs")])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        f"affectctl: error: {plan}: [launcher] type must be one of ['local', 'slurm']; "
        "got 'pbs'."]


def test_compare_refuses_a_launcher_with_existing_runs(tmp_path):
    res = CliRunner().invoke(app, ["compare", "base", "circumplex", "--runs", str(tmp_path),
                                   "--launcher", "slurm"])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        "affectctl: error: --launcher applies to training; with --runs nothing is trained."]


def test_no_sbatch_is_one_line(tmp_path, monkeypatch, models):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch here
    res = CliRunner().invoke(app, ["train", "tiny-base", "--models", str(models), "--seeds", "1",
                                   "--out", str(tmp_path / "runs"), "--launcher", "slurm",
                                   "--quiet"])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        "affectctl: error: --launcher slurm: `sbatch` was not found; run the sweep on a machine "
        "that submits Slurm jobs (a login node)."]


def test_keep_logs_option_overrides_the_launcher_table(tmp_path):
    """--keep-logs / --no-keep-logs win over the [launcher] table's keep_logs (default false)."""
    from affectctl.cli._launcher import make_launcher

    cfg = tmp_path / "launcher.toml"
    cfg.write_text('[launcher]\ntype = "slurm"\nkeep_logs = true\n')
    assert launcher_config("slurm").keep_logs is False
    assert launcher_config(file=cfg).keep_logs is True
    assert launcher_config(file=cfg, keep_logs=False).keep_logs is False
    assert make_launcher("slurm", None, None, None, None, None, keep_logs=True).keep_logs is True
    assert make_launcher(None, None, None, None, None, None, keep_logs=None) is None
