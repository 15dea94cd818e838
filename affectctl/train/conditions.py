"""Training conditions as files: one TOML file per condition, validated strictly.

A condition is a file ``<name>.toml``; the file stem is the name users type
(``affectctl train base circumplex``). A user adds a condition by adding a file, not
code. Files are flat ``key = value`` lists; every key is optional and defaults to
the value in :data:`SCHEMA`, so a condition states only how it differs from ``base``.

Lookup order for a name (the first file ``<name>.toml`` found wins):

1. ``models_dir`` (``--models DIR``), if given;
2. ``./models/`` in the current folder;
3. the conditions shipped inside the package (``affectctl/data/conditions/``, read with
   :mod:`importlib.resources`, so a wheel install finds them).

A path ending in ``.toml`` is read directly. The "unknown condition" error lists the
folders searched, in this order.

Validation: an unknown key, a value of the wrong type or out of range (a negative
weight ``λ``) raises :class:`~affectctl.errors.ConfigError` with one line naming the
file, the key, the allowed values and the value received.

Keys
----
========================  =========================================================
``description``           free text
``ot_weight``             λ of the OT term ``λ·OT(p, y; C)``
``cost``                  ground cost ``C``: none, circumplex, uniform, permuted, au
                          (:mod:`affectctl.train.costs`)
``geometry``              circumplex geometry (name, CSV path, or ``data``: per-class
                          VA means of the training frames) behind the cost
``permutation_seed``      seed of the ``permuted`` cost's class shuffle, combined with
                          the run seed (a different geometry per seed)
``permutation_max_corr``  largest correlation of a permuted cost with the real one
``au_cost_weight``        weight ``w`` of the AU-prototype distance in the ``au`` cost
``au_prototypes``         ``facs`` (full prototypes) or ``abaw12`` (12 annotated AUs)
``class_weights``         ``none`` or ``inverse-frequency`` cross-entropy weights
``logit_adjust_tau``      τ of the logit-adjusted loss (Menon et al. 2021); 0 = off
``label_smoothing``       ε of label smoothing; soft targets, OT then solved by POT
``sampler``               ``shuffle`` (every frame once per epoch) or ``balanced``
``frames_per_video``      N of the balanced sampler (frames drawn per video)
``frames_per_class``      M of the balanced sampler (frames drawn per class)
``head``                  ``mlp`` or ``arbex`` (reliability balancing)
``anchors_per_class``     ARBEx anchors per class
``anchor_temperature``    ARBEx δ of ``softmax(-‖e - a‖/δ)``
``attention_heads``       ARBEx heads of the per-sample self-attention (divides 16;
                          0 removes the attention branch)
``anchor_weight``         ARBEx λ_a of the (bounded) anchor loss
``anchor_margin``         ARBEx margin of the anchor loss, in units of ``sqrt(2 r)``
``anchor_lr``             Adam learning rate of the anchors (ARBEx has its own)
``branch_weight``         ARBEx: weight of the mean NLL of each branch (primary,
                          anchor, attention) besides the fused NLL; 0 = paper
``center_weight``         ARBEx λ_c of the center loss
``label_noise``           share of training labels replaced by another class
                          (symmetric, seeded by the run seed; test labels untouched)
``va_weight``             weight of the VA loss ``1 - CCC``
``au_weight``             weight of the AU binary cross-entropy
``epochs``                passes over the training sampler
``batch_size``            frames per step
``lr``                    Adam learning rate
``lr_decay``              exponential decay of the learning rate per epoch
``weight_decay``          Adam L2 weight decay
``reduce_dim``            width of the linear reduction of the input features
``hidden``                width of the two hidden layers
``dropout``               dropout after each hidden layer
========================  =========================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .._resources import SHIPPED_LABEL, shipped
from .._validation import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_LAYER_WIDTH  # documented size limits
from ..errors import ConfigError
from .costs import COSTS, PERMUTATION_MAX_CORR

__all__ = ["Condition", "SCHEMA", "TOKEN_WIDTH", "load_condition", "find_condition", "list_conditions",
           "condition_dirs", "parse_condition", "noisy_name"]


def _shipped_models():
    """The shipped conditions folder (a :class:`importlib.resources.abc.Traversable`)."""
    return shipped("conditions")


#: Token width of ARBEx's attention branch (:mod:`affectctl.train.heads`); heads divide it.
TOKEN_WIDTH = 16
#: Tokens per sample in the attention branch (gcd with the embedding width r).
N_TOKENS = 8

# name: (kind, default, rule) -- kind in {"str", "int", "float", "choice"}.
# rule: for numbers a (low, low_inclusive, high, high_inclusive) tuple; for choices the options.
_INF = math.inf
#: Largest finite float32: every real-valued knob reaches torch as float32, where a larger
#: value overflows (torch raised "value cannot be converted to type float without overflow").
_FLOAT32_MAX = 3.4028234663852886e38
#: Largest learning rate (``lr``, ``anchor_lr``): Adam's first step is ``lr / (1 - 0.9)``,
#: which must stay a float32 for torch, and any rate near this limit diverges anyway
#: (reported as a :class:`~affectctl.errors.TrainingError`).
MAX_LR = 1e6
SCHEMA: dict[str, tuple] = {
    "description": ("str", "", None),
    "ot_weight": ("float", 0.0, (0.0, True, _INF, False)),
    "cost": ("choice", "none", COSTS),
    "geometry": ("str", "nrc-vad", None),
    "permutation_seed": ("int", 0, (0, True, 2**32 - 1, True)),
    "permutation_max_corr": ("float", PERMUTATION_MAX_CORR, (-1.0, True, 1.0, True)),
    "au_cost_weight": ("float", 1.0, (0.0, True, _INF, False)),
    "au_prototypes": ("choice", "facs", ("facs", "abaw12")),
    "class_weights": ("choice", "none", ("none", "inverse-frequency")),
    "logit_adjust_tau": ("float", 0.0, (0.0, True, _INF, False)),
    "label_smoothing": ("float", 0.0, (0.0, True, 1.0, False)),
    "sampler": ("choice", "shuffle", ("shuffle", "balanced")),
    "frames_per_video": ("int", 64, (1, True, _INF, False)),
    "frames_per_class": ("int", 300, (1, True, _INF, False)),
    "head": ("choice", "mlp", ("mlp", "arbex")),
    "anchors_per_class": ("int", 8, (1, True, MAX_LAYER_WIDTH, True)),
    "anchor_temperature": ("float", 1.0, (0.0, False, _INF, False)),
    "attention_heads": ("int", 4, (0, True, MAX_LAYER_WIDTH, True)),
    "anchor_weight": ("float", 1.0, (0.0, True, _INF, False)),
    "anchor_margin": ("float", 1.0, (0.0, False, _INF, False)),
    "anchor_lr": ("float", 1e-2, (0.0, False, MAX_LR, True)),
    "center_weight": ("float", 1.0, (0.0, True, _INF, False)),
    "branch_weight": ("float", 0.0, (0.0, True, _INF, False)),
    "label_noise": ("float", 0.0, (0.0, True, 1.0, False)),
    "va_weight": ("float", 1.0, (0.0, True, _INF, False)),
    "au_weight": ("float", 1.0, (0.0, True, _INF, False)),
    "epochs": ("int", 20, (1, True, MAX_EPOCHS, True)),
    "batch_size": ("int", 128, (2, True, MAX_BATCH_SIZE, True)),
    "lr": ("float", 1e-3, (0.0, False, MAX_LR, True)),
    "lr_decay": ("float", 0.97, (0.0, False, 1.0, True)),
    "weight_decay": ("float", 1e-4, (0.0, True, _INF, False)),
    "reduce_dim": ("int", 32, (1, True, MAX_LAYER_WIDTH, True)),
    "hidden": ("int", 64, (1, True, MAX_LAYER_WIDTH, True)),
    "dropout": ("float", 0.5, (0.0, True, 1.0, False)),
}


@dataclass(frozen=True)
class Condition:
    """A validated training condition (see the module docstring for every key).

    Attributes
    ----------
    name : str
        The file stem.
    source : str
        Path of the TOML file (``"<memory>"`` when parsed from text).
    text : str
        The file's contents, stored in every dump's metadata.
    (all keys of :data:`SCHEMA`)
    """

    name: str
    source: str
    text: str
    description: str
    ot_weight: float
    cost: str
    geometry: str
    permutation_seed: int
    permutation_max_corr: float
    au_cost_weight: float
    au_prototypes: str
    class_weights: str
    logit_adjust_tau: float
    label_smoothing: float
    sampler: str
    frames_per_video: int
    frames_per_class: int
    head: str
    anchors_per_class: int
    anchor_temperature: float
    attention_heads: int
    anchor_weight: float
    anchor_margin: float
    anchor_lr: float
    center_weight: float
    branch_weight: float
    label_noise: float
    va_weight: float
    au_weight: float
    epochs: int
    batch_size: int
    lr: float
    lr_decay: float
    weight_decay: float
    reduce_dim: int
    hidden: int
    dropout: float

    def params(self) -> dict:
        """Every key of :data:`SCHEMA` with its resolved value."""
        return {k: v for k, v in asdict(self).items() if k in SCHEMA}


def _range_text(rule) -> str:
    lo, lo_inc, hi, hi_inc = rule
    if hi == _INF:
        return f"{'>=' if lo_inc else '>'} {lo:g}"
    hi_text = f"{hi:,}" if isinstance(hi, int) else f"{hi:g}"
    return f"in {'[' if lo_inc else '('}{lo:g}, {hi_text}{']' if hi_inc else ')'}"


def _check_value(where: str, key: str, value):
    kind, _, rule = SCHEMA[key]

    def bad(allowed: str):
        return ConfigError(f"{where}: key `{key}` must be {allowed}; got {value!r}.")

    if kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in rule:
            raise bad(f"one of {{{', '.join(repr(r) for r in rule)}}}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(f"an integer {_range_text(rule)}")
        out = value
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(f"a number {_range_text(rule)}")
        out = float(value)
    lo, lo_inc, hi, hi_inc = rule
    ok = (out >= lo if lo_inc else out > lo) and (out <= hi if hi_inc else out < hi)
    if not ok or (isinstance(out, float) and math.isnan(out)):
        raise bad(f"{'an integer' if kind == 'int' else 'a number'} {_range_text(rule)}")
    if kind == "float" and abs(out) > _FLOAT32_MAX:
        raise bad(f"a number {_range_text(rule)} that float32 can hold (at most "
                  f"{_FLOAT32_MAX:.4g})")
    return out


def parse_condition(text: str, *, name: str, source: str = "<memory>") -> Condition:
    """Validate the TOML text of a condition.

    Raises
    ------
    ConfigError
        One line: ``<file>: key `<key>` must be <allowed>; got <value>.``
    """
    from .._validation import parse_toml

    raw = parse_toml(text, source)
    for key, value in raw.items():
        if key not in SCHEMA:
            raise ConfigError(f"{source}: unknown key `{key}` (= {value!r}); allowed keys: "
                              f"{', '.join(sorted(SCHEMA))}.")
    values = {key: _check_value(source, key, raw[key]) if key in raw else SCHEMA[key][1]
              for key in SCHEMA}
    if values["ot_weight"] > 0 and values["cost"] == "none":
        raise ConfigError(f"{source}: key `cost` must be one of {{'circumplex', 'uniform', "
                          f"'permuted', 'au'}} when `ot_weight` > 0; got 'none'.")
    if values["cost"] != "none" and values["ot_weight"] == 0:
        raise ConfigError(f"{source}: key `ot_weight` must be > 0 when `cost` is "
                          f"{values['cost']!r}; got 0.")
    if values["head"] == "arbex" and values["attention_heads"] and (
            TOKEN_WIDTH % values["attention_heads"]):
        raise ConfigError(f"{source}: key `attention_heads` must be 0 or divide the token width "
                          f"{TOKEN_WIDTH} (1, 2, 4, 8 or 16); got {values['attention_heads']}.")
    if values["head"] == "arbex" and values["logit_adjust_tau"] > 0:
        raise ConfigError(f"{source}: key `logit_adjust_tau` must be 0 when `head` is 'arbex' "
                          f"(the adjustment applies to softmax logits); got "
                          f"{values['logit_adjust_tau']!r}.")
    if values["cost"] != "none" and values["geometry"] != "data":
        from ..circumplex import get_geometry

        try:
            get_geometry(values["geometry"])
        except ConfigError:
            raise ConfigError(f"{source}: key `geometry` must be a built-in geometry "
                              f"('nrc-vad', 'russell', 'affectnet-sample'), 'data' or a CSV path; "
                              f"got {values['geometry']!r}.") from None
    return Condition(name=name, source=source, text=text, **values)


def condition_dirs(models_dir: "str | Path | None" = None) -> list:
    """Folders searched for condition files, in lookup order (see the module docstring).

    The user's folders are :class:`~pathlib.Path`; the last entry is the shipped folder,
    a :class:`importlib.resources.abc.Traversable` (a ``Path`` for an ordinary install).
    """
    dirs: list = []
    if models_dir is not None:
        dirs.append(Path(models_dir))
    local = Path.cwd() / "models"
    if not dirs or dirs[0].resolve() != local.resolve():
        dirs.append(local)
    dirs.append(_shipped_models())
    return dirs


def _describe_dirs(dirs) -> str:
    """The lookup folders for a message; the last is the shipped one."""
    *mine, ours = dirs
    return ", ".join([str(d) for d in mine] + [SHIPPED_LABEL.format(kind="conditions", path=ours)])


def find_condition(name: str, models_dir: "str | Path | None" = None) -> Path:
    """Path of the condition file for ``name`` (see the lookup order above)."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"condition name must be a non-empty string; got {name!r}.")
    if name.endswith(".toml"):
        path = Path(name)
        if path.is_file():
            return path
        raise ConfigError(f"condition file {name!r} does not exist.")
    if "/" in name or "\\" in name:
        raise ConfigError(f"condition name must be a file stem or a .toml path; got {name!r}.")
    dirs = condition_dirs(models_dir)
    for d in dirs:
        path = d / f"{name}.toml"
        if path.is_file():
            return path
    if models_dir is not None and not Path(models_dir).is_dir():
        raise ConfigError(f"`models_dir` {str(models_dir)!r} is not a folder.")
    raise ConfigError(f"unknown condition {name!r}; available: {list_conditions(models_dir)} "
                      f"(searched, in order: {_describe_dirs(dirs)}).")


#: ``<condition>@noise<rate>``: a condition trained with symmetric label noise.
_NOISY = re.compile(r"^(?P<base>.+)@noise(?P<rate>[0-9]*\.?[0-9]+)$")


def noisy_name(name: str, rate: float) -> str:
    """Name of ``name`` trained with label noise ``rate``: ``base@noise0.2``."""
    return f"{name}@noise{rate:g}"


def load_condition(name: str, models_dir: "str | Path | None" = None) -> Condition:
    """Find, read and validate a condition by name (or ``.toml`` path).

    ``<name>@noise<rate>`` (e.g. ``base@noise0.2``, :func:`noisy_name`) is condition
    ``<name>`` with ``label_noise = <rate>`` appended to its text (so the dump records
    it and a finished clean run is never taken for a noisy one).
    """
    m = _NOISY.match(name) if isinstance(name, str) else None
    if m:
        base = load_condition(m.group("base"), models_dir)
        rate = float(m.group("rate"))
        if base.label_noise > 0:
            raise ConfigError(f"{base.source}: key `label_noise` is already set "
                              f"({base.label_noise!r}); cannot add label noise {rate:g} to it.")
        text = base.text.rstrip("\n") + f"\n# label noise of {name}\nlabel_noise = {rate!r}\n"
        return parse_condition(text, name=noisy_name(base.name, rate), source=base.source)
    path = find_condition(name, models_dir)
    from .._validation import not_regular

    if (reason := not_regular(path)) is not None:
        raise ConfigError(f"condition file {path} {reason}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__}).") from None
    return parse_condition(text, name=path.name[: -len(".toml")], source=str(path))


def list_conditions(models_dir: "str | Path | None" = None) -> list[str]:
    """Names of the conditions visible from here (union of the lookup folders), sorted."""
    names = set()
    for d in condition_dirs(models_dir):
        if d.is_dir():
            names.update(p.name[: -len(".toml")] for p in d.iterdir()
                         if p.is_file() and p.name.endswith(".toml"))
    return sorted(names)
