"""`affectctl train` then `affectctl compare`: runs cached without embeddings are not
trained again behind the user's back (issue: train wrote no embeddings, compare asked
the sweep for them, and the sweep retrained every run to add them)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import affectctl.train as train_pkg
from affectctl.io.runs import cached_without_embeddings


def _cache(tmp_path, emb: bool):
    root = tmp_path / "runs" / "sim-affwild2"
    for c in ("base", "uniform"):
        for s in (0, 1):
            d = root / c
            d.mkdir(parents=True, exist_ok=True)
            cols = {"sample_id": ["a", "b"]}
            if emb:
                cols["emb_0"] = [0.1, 0.2]
            pq.write_table(pa.table(cols), d / f"seed-{s}.parquet")
    return tmp_path / "runs"


@pytest.fixture
def sweep_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(train_pkg, "sweep", lambda *a, **k: calls.append(k) or {})
    return calls


def test_cached_without_embeddings_lists_bare_dumps(tmp_path):
    cache = _cache(tmp_path, emb=False)
    assert len(cached_without_embeddings(["base", "uniform"], cache, "sim-affwild2", 2)) == 4
    assert cached_without_embeddings(["base", "uniform", "circumplex"], _cache(tmp_path / "e", True),
                                     "sim-affwild2", 2) == []


def test_compare_keeps_runs_trained_without_embeddings(tmp_path, sweep_calls):
    from affectctl.cli.compare import resolve_runs

    cache = _cache(tmp_path, emb=False)
    resolve_runs(["base", "uniform"], None, None, 2, cache, True)
    assert sweep_calls[-1]["embeddings"] is False          # nothing retrained to add them
    resolve_runs(["base", "uniform"], None, None, 2, _cache(tmp_path / "e", True), True)
    assert sweep_calls[-1]["embeddings"] is True            # new runs still store them


def test_diagnose_says_why_it_retrains(tmp_path, sweep_calls, capsys):
    from affectctl.cli.diagnose import _resolve

    cache = _cache(tmp_path, emb=False)
    _resolve(["base", "uniform"], None, None, None, 2, cache, True, embeddings=True)
    assert sweep_calls[-1]["embeddings"] is True
    err = capsys.readouterr().err
    assert "4 cached run(s)" in err and "have no embeddings" in err and "--no-representation" in err
    _resolve(["base", "uniform"], None, None, None, 2, cache, True, embeddings=False)
    assert sweep_calls[-1]["embeddings"] is False
    assert "have no embeddings" not in capsys.readouterr().err
