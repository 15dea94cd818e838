"""Per-dataset reference scores for normalising scores across benchmarks (a small TOML file).

Format: one table per dataset, one inline table ``{low = ..., high = ...}`` per metric::

    # z = (score - low) / (high - low), e.g. low = chance level, high = a published best
    [affwild2]
    official_score = { low = 0.0, high = 0.6 }

    [affectnet]
    official_score = { low = 0.125, high = 0.65 }

The interquartile mean over datasets (:func:`affectctl.stats.aggregate.interquartile_mean`)
uses the normalised scores :math:`z = (x - \\mathrm{low})/(\\mathrm{high} - \\mathrm{low})`
(Agarwal et al. 2021 normalise by random and human scores). Every error is one
:class:`~affectctl.errors.ConfigError` naming the file and the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

from affectctl.errors import ConfigError
from affectctl._util.validation import read_toml

__all__ = ["read_normalisation", "check_normalisation"]

_KEYS = ("low", "high")


def _line(text: str, dataset: str, metric: str | None = None) -> int | None:
    """1-based line of ``[dataset]``, or of ``metric = ...`` inside it (or of a
    ``[dataset.metric]`` table), in ``text``; None if not found."""
    name = r"\s*\"?{}\"?\s*"
    ds = name.format(re.escape(dataset))
    header = re.compile(r"^\s*\[" + ds + r"\]")
    sub = re.compile(r"^\s*\[" + ds + r"\." + name.format(re.escape(metric or "")) + r"\]")
    key = re.compile(r"^" + name.format(re.escape(metric or "")) + r"=")
    inside = False
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^\s*\[", line):
            if metric is not None and sub.match(line):
                return i
            inside = bool(header.match(line))
            if inside and metric is None:
                return i
        elif inside and metric is not None and key.match(line):
            return i
    return None


def check_normalisation(raw, source="normalisation", text: str | None = None) -> dict:
    """Check ``{dataset: {metric: {"low": float, "high": float}}}``; return
    ``{dataset: {metric: (low, high)}}``.

    Accepts ``(low, high)`` pairs as well as ``{"low", "high"}`` tables (the TOML form).
    ``text`` (the file's text) lets the error name the line.
    """
    def where(ds, metric=None):
        line = _line(text, ds, metric) if text is not None else None
        return f"{source}, line {line}" if line else str(source)

    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{source}: needs one table per dataset, e.g. [affwild2] with "
                          "official_score = {low = 0.0, high = 0.6}; found none.")
    out: dict = {}
    for ds, metrics in raw.items():
        if not isinstance(metrics, Mapping) or not metrics:
            raise ConfigError(f"{where(ds)}: [{ds}] must be a table of metric = {{low = ..., "
                              f"high = ...}}; got {metrics!r}.")
        out[ds] = {}
        for metric, ref in metrics.items():
            if isinstance(ref, Mapping):
                extra = sorted(set(ref) - set(_KEYS))
                missing = [k for k in _KEYS if k not in ref]
                if extra or missing:
                    raise ConfigError(f"{where(ds, metric)}: {ds}.{metric} must have exactly the "
                                      f"keys low and high; "
                                      + (f"unknown {extra}" if extra else f"missing {missing}")
                                      + ".")
                pair = (ref["low"], ref["high"])
            elif isinstance(ref, (tuple, list)) and len(ref) == 2:
                pair = tuple(ref)
            else:
                raise ConfigError(f"{where(ds, metric)}: {ds}.{metric} must be {{low = ..., high = "
                                  f"...}}; got {ref!r}.")
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       and math.isfinite(v) for v in pair):
                raise ConfigError(f"{where(ds, metric)}: {ds}.{metric}: low and high must be "
                                  f"finite numbers; got {pair!r}.")
            if pair[0] == pair[1]:
                raise ConfigError(f"{where(ds, metric)}: {ds}.{metric}: low and high must differ "
                                  f"(both {pair[0]!r}).")
            out[ds][metric] = (float(pair[0]), float(pair[1]))
    return out


def read_normalisation(path: "str | Path") -> dict:
    """Read and check a normalisation file: ``{dataset: {metric: (low, high)}}``."""
    raw = read_toml(path, "normalisation file")
    text = Path(path).read_text(encoding="utf-8")
    return check_normalisation(raw, Path(path), text)
