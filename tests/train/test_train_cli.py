"""``affectctl train`` through typer's CliRunner: dumps written, exit 2 with one line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.io.dumps import read_dump

pytest.importorskip("torch")

runner = CliRunner()


def _fail(args, pattern):
    res = runner.invoke(app, ["train", *args])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert len(err) == 1, res.stderr
    assert err[0].startswith("affectctl: error: ")
    assert pattern in err[0], err[0]
    return err[0]


def test_train_writes_dumps_and_reports(tmp_path, fast_models):
    out = tmp_path / "runs"
    args = ["train", "tiny-base", "tiny-uniform", "--models", str(fast_models), "--seeds", "1",
            "--out", str(out), "--workers", "1", "--dataset", "sim-affectnet"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    for name in ("tiny-base", "tiny-uniform"):
        path = out / "sim-affectnet" / name / "seed-0.parquet"
        assert read_dump(path).taxonomy.name == "affectnet8"
        assert f"{name}: 1 dump(s) in {path.parent}" in res.stdout
    quiet = runner.invoke(app, args + ["--quiet"])  # everything exists: skipped, silent
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_bad_input_exits_2_with_one_line(tmp_path, fast_models):
    (fast_models / "typo.toml").write_text("ot_wieght = 1.0\n")
    (fast_models / "negative.toml").write_text('ot_weight = -1.0\ncost = "circumplex"\n')
    m = ["--models", str(fast_models), "--out", str(tmp_path / "o")]
    _fail(["nope", *m], "unknown condition 'nope'; available:")
    _fail(["typo", *m], "typo.toml: unknown key `ot_wieght`")
    _fail(["negative", *m], "negative.toml: key `ot_weight` must be a number >= 0; got -1.0.")
    (fast_models / "diverges.toml").write_text("epochs = 1\nva_weight = 3e38\n")
    trained = tmp_path / "trained"
    for workers in ("1", "2"):  # in this process, and re-raised from a worker process
        _fail(["diverges", "tiny-base", "--models", str(fast_models), "--out", str(trained),
               "--workers", workers, "--seeds", "1"],
              "diverges.toml: training diverged: the loss of epoch 1 of condition 'diverges' "
              "(seed 0) is nan")
    # tiny-base may finish beside the diverging run (two workers): a finished run's dump is
    # kept whole for the next sweep, the diverged run leaves nothing, nothing half-written
    left = sorted(p.relative_to(trained).as_posix() for p in trained.rglob("*") if p.is_file())
    assert left in ([], ["sim-affwild2/tiny-base/seed-0.parquet",
                         "sim-affwild2/tiny-base/seed-0.parquet.timing.json"]), left
    for path in trained.rglob("*.parquet"):
        assert read_dump(path).n_samples > 0
    _fail(["tiny-base", "--dataset", "sim-fer", *m], "`dataset` must be one of")
    _fail(["tiny-base", "--dataset", "sim-affwild2", "--features", "f.npz", *m],
          "`dataset` and `features` are exclusive")
    _fail(["tiny-base", "--features", str(tmp_path / "missing.npz"), "--taxonomy",
           "affwild2-expr8", *m], "missing.npz: features file does not exist.")
    _fail(["tiny-base", "--seeds", "0", *m], "`--seeds` must be an integer >= 1")
    assert not (tmp_path / "o").exists()


def test_help_documents_the_features_format():
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())                  # help wraps at the terminal width
    for words in ("f_0 .. f_{d-1}", "split (train or test)", "au<N>", "--taxonomy", "sample_id"):
        assert words in text


def test_label_noise_option(tmp_path, fast_models):
    m = ["--models", str(fast_models), "--out", str(tmp_path / "o")]
    _fail(["tiny-base", "--label-noise", "0.1,x", *m], "`--label-noise` must be comma-separated")
    _fail(["tiny-base", "--label-noise", "0,0.2", *m], "`label_noise` must list distinct rates")
    res = runner.invoke(app, ["train", "tiny-base", "--label-noise", "0.2", "--seeds", "1",
                              "--workers", "1", *m])
    assert res.exit_code == 0, res.output
    assert "tiny-base@noise0.2: 1 dump(s)" in res.stdout
