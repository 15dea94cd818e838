"""Condition files: the shipped set, strict validation, one-line messages, lookup order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import affectctl
from affectctl.errors import ConfigError
from affectctl.train import list_conditions, load_condition
from affectctl.train.conditions import SCHEMA, condition_dirs, parse_condition

SHIPPED = {"base", "circumplex", "uniform", "permuted", "au", "reweight", "balanced",
           "logit-adjust", "label-smoothing", "arbex"}
REPO_MODELS = Path(affectctl.__file__).resolve().parent / "data" / "conditions"


def test_every_shipped_condition_loads():
    assert SHIPPED <= set(list_conditions())
    for name in SHIPPED:
        c = load_condition(name)
        assert c.name == name and c.text == (REPO_MODELS / f"{name}.toml").read_text()


def test_shipped_conditions_say_what_they_are():
    c = {n: load_condition(n) for n in SHIPPED}
    assert c["base"].ot_weight == 0 and c["base"].cost == "none"
    assert c["circumplex"].cost == "circumplex" and c["circumplex"].geometry == "nrc-vad"
    assert c["uniform"].cost == "uniform" and c["permuted"].cost == "permuted"
    assert c["au"].cost == "au"
    assert c["reweight"].class_weights == "inverse-frequency"
    assert c["balanced"].sampler == "balanced"
    assert c["logit-adjust"].logit_adjust_tau > 0
    assert c["label-smoothing"].label_smoothing > 0
    assert c["arbex"].head == "arbex"
    # all conditions share the training recipe: only the intervention differs
    recipe = ("epochs", "batch_size", "lr", "lr_decay", "weight_decay", "reduce_dim", "hidden",
              "dropout", "va_weight", "au_weight")
    for cond in c.values():
        assert {k: getattr(cond, k) for k in recipe} == {k: SCHEMA[k][1] for k in recipe}


# -- validation: one line naming file, key, allowed values and the value received ---------------


@pytest.mark.parametrize("text,pattern", [
    ("ot_wieght = 1.0",
     r"^bad\.toml: unknown key `ot_wieght` \(= 1\.0\); allowed keys: .*ot_weight"),
    ('ot_weight = -0.5\ncost = "circumplex"',
     r"^bad\.toml: key `ot_weight` must be a number >= 0; got -0\.5\.$"),
    ('ot_weight = "high"', r"^bad\.toml: key `ot_weight` must be a number >= 0; got 'high'\.$"),
    ("epochs = 2.5", r"^bad\.toml: key `epochs` must be an integer in \[1, 100,000\]; got 2\.5\.$"),
    ("epochs = true", r"^bad\.toml: key `epochs` must be an integer in \[1, 100,000\]; got True\.$"),
    ("batch_size = 2000000", r"^bad\.toml: key `batch_size` must be an integer in \[2, 1,048,576\]; "
                             r"got 2000000\.$"),
    ('cost = "geodesic"\not_weight = 1.0',
     r"^bad\.toml: key `cost` must be one of \{'none', 'circumplex', 'uniform', 'permuted', "
     r"'au'\}; got 'geodesic'\.$"),
    ("label_smoothing = 1.0", r"^bad\.toml: key `label_smoothing` must be a number in \[0, 1\); "
                              r"got 1\.0\.$"),
    ("center_weight = -1", r"^bad\.toml: key `center_weight` must be a number >= 0; got -1\.$"),
    ("lr = 1e200", r"^bad\.toml: key `lr` must be a number in \(0, 1e\+06\]; got 1e\+200\.$"),
    ('ot_weight = 1e39\ncost = "circumplex"',
     r"^bad\.toml: key `ot_weight` must be a number >= 0 that float32 can hold \(at most "
     r"3\.403e\+38\); got 1e\+39\.$"),
    ("ot_weight = -1e39", r"^bad\.toml: key `ot_weight` must be a number >= 0; got -1e\+39\.$"),
    ("ot_weight = 1.0", r"^bad\.toml: key `cost` must be one of .* when `ot_weight` > 0; "
                        r"got 'none'\.$"),
    ('cost = "uniform"', r"^bad\.toml: key `ot_weight` must be > 0 when `cost` is 'uniform'; "
                         r"got 0\.$"),
    ('head = "arbex"\nattention_heads = 5',
     r"^bad\.toml: key `attention_heads` must be 0 or divide the token width 16 "
     r"\(1, 2, 4, 8 or 16\); got 5\.$"),
    ('ot_weight = 1.0\ncost = "circumplex"\ngeometry = "flat"',
     r"^bad\.toml: key `geometry` must be .*; got 'flat'\.$"),
    ("[loss]\not_weight = 1", r"^bad\.toml: unknown key `loss`"),
    ("ot_weight = ", r"^bad\.toml: not valid TOML \("),
])
def test_bad_condition_one_line_message(text, pattern):
    with pytest.raises(ConfigError) as info:
        parse_condition(text, name="bad", source="bad.toml")
    msg = str(info.value)
    assert "\n" not in msg
    assert re.search(pattern, msg), msg


def test_condition_fields_are_the_schema():
    import dataclasses

    from affectctl.train.conditions import Condition

    names = {f.name for f in dataclasses.fields(Condition)}
    assert names == set(SCHEMA) | {"name", "source", "text"}


def test_defaults_fill_missing_keys():
    c = parse_condition("", name="empty")
    assert c.params() == {k: v[1] for k, v in SCHEMA.items()}


# -- lookup ----------------------------------------------------------------------------------


def test_lookup_order_models_dir_then_cwd_then_shipped(tmp_path, monkeypatch):
    mine, cwd = tmp_path / "mine", tmp_path / "work"
    (cwd / "models").mkdir(parents=True)
    mine.mkdir()
    (mine / "base.toml").write_text("epochs = 7\n")
    (cwd / "models" / "base.toml").write_text("epochs = 8\n")
    (cwd / "models" / "extra.toml").write_text("epochs = 9\n")
    monkeypatch.chdir(cwd)
    assert load_condition("base", mine).epochs == 7
    assert load_condition("base").epochs == 8
    assert load_condition("extra", mine).epochs == 9
    assert load_condition("circumplex", mine).source == str(REPO_MODELS / "circumplex.toml")
    assert condition_dirs(mine) == [mine, cwd / "models", REPO_MODELS]
    assert {"extra", "base", "circumplex"} <= set(list_conditions(mine))


def test_unknown_condition_names_the_folders_in_lookup_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(ConfigError) as e:
        load_condition("nope", mine)
    msg = str(e.value)
    assert msg.startswith("unknown condition 'nope'; available: [")
    assert "'base'" in msg and "'circumplex'" in msg  # the shipped ones, from any folder
    assert (f"(searched, in order: {mine}, {tmp_path / 'models'}, affectctl's shipped conditions ({REPO_MODELS}))"
            in msg)


def test_a_toml_path_is_a_condition(tmp_path):
    p = tmp_path / "my-cond.toml"
    p.write_text('ot_weight = 0.5\ncost = "uniform"\n')
    c = load_condition(str(p))
    assert c.name == "my-cond" and c.ot_weight == 0.5


def test_unknown_condition_lists_the_available_ones():
    with pytest.raises(ConfigError, match=r"^unknown condition 'nope'; available: \[.*'base'"):
        load_condition("nope")
    with pytest.raises(ConfigError, match="file stem or a .toml path"):
        load_condition("../base")


def test_error_names_the_file(tmp_path):
    (tmp_path / "neg.toml").write_text('ot_weight = -1.0\ncost = "circumplex"\n')
    where = re.escape(str(tmp_path / "neg.toml"))
    with pytest.raises(ConfigError, match=where + ": key `ot_weight`"):
        load_condition("neg", tmp_path)
