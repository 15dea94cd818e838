"""The shared checks of ``affectctl._util.validation``, each able to fail, and the CLI's safety nets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import affectctl._util.validation as check
from affectctl.cli import app
from affectctl.errors import ConfigError

runner = CliRunner()


@pytest.mark.parametrize("name", ["../x", "a/b", "/abs", "a\\b", "..", ".", "", "  ", "a\x00b", None, 3])
def test_check_name_refuses_anything_but_one_component(name):
    with pytest.raises(ConfigError, match="`--name`"):
        check.check_name("--name", name)


@pytest.mark.parametrize("name", ["base", "sim-affwild2-base-uniform", "a.b", "..x", "x..", "ünïcode"])
def test_check_name_accepts_plain_names(name):
    assert check.check_name("--name", name) == name


def test_contained_follows_symbolic_links(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    os.symlink(root / "real", root / "inner")
    (root / "real").mkdir()
    with pytest.raises(ConfigError, match="resolves to .*outside"):
        check.contained(root, "link", option="condition")
    assert check.contained(root, "inner", option="condition") == root / "inner"
    assert check.contained(root, "not-yet", option="condition") == root / "not-yet"


def test_output_dir_file_under_file_and_unwritable(tmp_path, monkeypatch):
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(ConfigError, match="`--out`: .*f is a file"):
        check.check_output_dir("--out", f)
    with pytest.raises(ConfigError, match="lies under .*f, which is a file"):
        check.check_output_dir("--out", f / "a" / "b")
    assert check.check_output_dir("--out", tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    # root may write anywhere, so the permission check is driven through os.access
    monkeypatch.setattr(check.os, "access", lambda path, mode: False)
    with pytest.raises(ConfigError, match="nearest existing folder .* is not writable"):
        check.check_output_dir("--out", tmp_path / "new")


def test_count_limit_and_memory_fit(monkeypatch):
    assert check.check_count("--seeds", 5, limit=10) == 5
    with pytest.raises(ConfigError, match=r"`--seeds` must be at most 10 \(the documented limit\); got 11"):
        check.check_count("--seeds", 11, limit=10)
    with pytest.raises(ConfigError, match=">= 1; got 0"):
        check.check_count("--seeds", 0, limit=10)
    with pytest.raises(ConfigError, match="must be an integer"):
        check.check_count("--seeds", True, limit=10)
    # 1 GiB free: half of it, at 64 bytes per resample, holds 8,388,608 resamples
    monkeypatch.setattr(check, "available_memory", lambda: 2**30)
    assert check.RESAMPLE_BYTES == 64
    assert check.check_resamples("--permutations", 8_388_608) == 8_388_608
    with pytest.raises(ConfigError, match=r"`--permutations` 8,388,609 needs about 512\.0 MiB .* "
                                          r"1\.0 GiB available, so at most 8,388,608 would fit"):
        check.check_resamples("--permutations", 8_388_609)
    monkeypatch.setattr(check, "available_memory", lambda: None)  # platform does not say
    assert check.check_resamples("--permutations", check.MAX_RESAMPLES) == check.MAX_RESAMPLES


def test_compare_says_what_would_fit(tmp_path, monkeypatch):
    """The memory check runs before any run is read, with the option's own name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(check, "available_memory", lambda: 2**30)
    res = runner.invoke(app, ["compare", "a", "b", "--runs", str(tmp_path), "--permutations", "9000000"])
    assert res.exit_code == 2
    assert res.stderr.strip() == ("affectctl: error: `--permutations` 9,000,000 needs about 549.3 MiB of memory "
                                  "for the null distributions; this machine has 1.0 GiB available, so at most "
                                  "8,388,608 would fit (50% of it).")


def test_available_memory_is_positive():
    mem = check.available_memory()
    assert mem is None or mem > 0


def test_describe_missing(tmp_path):
    os.symlink("loop", tmp_path / "loop")
    os.symlink(tmp_path / "gone", tmp_path / "broken")
    (tmp_path / "file").write_text("x")
    assert "loop" in check.describe_missing(tmp_path / "loop")
    assert "broken symbolic link" in check.describe_missing(tmp_path / "broken")
    assert "a part of its path is a file" in check.describe_missing(tmp_path / "file" / "x")
    assert check.describe_missing(tmp_path / "nothing") == "does not exist."


def test_os_errors_become_one_line(tmp_path, monkeypatch):
    """The command boundary's last line of defence: an OSError the checks did not foresee."""
    import affectctl.io.formats.read as readers

    def boom(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.csv"))

    monkeypatch.setattr(readers, "read_dump", boom)
    (tmp_path / "x.csv").write_text("a\n1\n")
    res = runner.invoke(app, ["audit", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"affectctl: error: {tmp_path / 'x.csv'}: permission denied."


def test_bare_command_still_shows_help():
    res = runner.invoke(app, [])
    assert "Usage" in res.output and "affectctl: error" not in res.output


def test_help_exits_0():
    res = runner.invoke(app, ["compare", "--help"])
    assert res.exit_code == 0 and "--permutations" in res.stdout


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_output_dir_is_probed_with_a_real_write():
    # root passes os.access everywhere; /proc refuses the write itself
    import affectctl._util.validation as check

    with pytest.raises(ConfigError, match=r"`--out`: /proc/x .* is not writable"):
        check.check_output_dir("--out", "/proc/x")
