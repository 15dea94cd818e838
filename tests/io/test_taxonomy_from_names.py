"""Taxonomy from class names: used when the names identify one built-in, refused when several fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.errors import ConfigError
from affectctl.io.dumps import read_dump
from affectctl.domain.taxonomies import TAXONOMIES, AmbiguousTaxonomyError, identify_taxonomy, infer_taxonomy

runner = CliRunner()
AFFECTNET = ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
GENERIC7 = ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"]


@pytest.mark.parametrize("names, ordered, expected", [
    (AFFECTNET[::-1], False, "affectnet8"),                                  # Contempt, Happy/Sad
    (TAXONOMIES["ferplus8"].classes, True, "ferplus8"),                     # Contempt, Happiness
    (TAXONOMIES["rafdb7"].classes, True, "rafdb7"),                         # its own order
    (["Happiness", "Other", "Neutral"], False, "affwild2-expr8"),            # Other
    (["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"], True, "fer2013-7"),
])
def test_names_that_identify_one_taxonomy(names, ordered, expected):
    tax, why = identify_taxonomy(names, ordered=ordered)
    assert tax.name == expected and why.startswith(f"taxonomy {expected}:") and "\n" not in why


@pytest.mark.parametrize("names, ordered", [(GENERIC7, True), (GENERIC7[::-1], False),
                                            (["Happy", "Sad", "Neutral"], False)])
def test_names_that_fit_several_are_refused_listing_them(names, ordered):
    with pytest.raises(AmbiguousTaxonomyError, match=r"fit several taxonomies \(.*\) and identify none; "
                                                     r"pass --taxonomy"):
        identify_taxonomy(names, ordered=ordered)
    if ordered:
        with pytest.raises(AmbiguousTaxonomyError):
            infer_taxonomy(names)
        assert infer_taxonomy(names, ambiguous="custom").name == "custom"


def test_no_fit_is_an_error():
    with pytest.raises(ConfigError, match="no built-in taxonomy"):
        identify_taxonomy(["Happiness", "Other", "Contempt"], ordered=False)


def _run(tmp_path, classes, n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(classes), n)
    p = np.where(rng.random(n) < 0.6, y, rng.integers(0, len(classes), n))
    f = tmp_path / "run.csv"
    pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "y_true": [classes[k] for k in y],
                  "y_pred": [classes[k] for k in p]}).to_csv(f, index=False)
    return f, y, p


def test_affectnet_named_run_audits_without_taxonomy(tmp_path):
    f, y, p = _run(tmp_path, AFFECTNET)
    d = read_dump(f)
    assert d.taxonomy.name == "affectnet8"
    m = audit(d).metrics
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["expr_macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    r = runner.invoke(app, ["audit", str(f)])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("taxonomy affectnet8:")]
    assert len(lines) == 1 and "Contempt" in lines[0]


def test_generic_seven_class_run_is_refused_not_scored_as_aff_wild2(tmp_path):
    f, *_ = _run(tmp_path, GENERIC7)
    r = runner.invoke(app, ["audit", str(f)])
    assert r.exit_code == 2 and "abaw2_expr_score" not in r.output
    err = r.output.strip().splitlines()
    assert len(err) == 1 and "affwild2-expr7, affectnet8, affectnet7, rafdb7" in err[0] and "--taxonomy" in err[0]
    # with p_ columns in Aff-Wild2's (generic) order too
    frame = pd.read_csv(f)
    for c in GENERIC7:
        frame[f"p_{c}"] = (frame["y_pred"] == c).astype(float)
    frame.drop(columns="y_pred").to_csv(f, index=False)
    r = runner.invoke(app, ["audit", str(f)])
    assert r.exit_code == 2 and "fit several taxonomies" in r.output
    r = runner.invoke(app, ["audit", str(f), "--taxonomy", "affwild2-expr7"])
    assert r.exit_code == 0 and "abaw2_expr_score" in r.output
