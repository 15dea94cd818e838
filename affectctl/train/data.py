"""How a sweep, or a job it submits, gets its training data: one place for both.

:func:`resolve_data` builds the data (a simulated benchmark or a features file);
:func:`data_source` is the JSON-able recipe a Slurm job passes back to it. The runner
and the launchers both import this module, so neither imports the other's helpers.
"""

from __future__ import annotations

import os
from pathlib import Path

from affectctl.errors import ConfigError
from affectctl.io.layout import DEFAULT_DATASET
from affectctl.train.datasets import DATASETS, FeatureData, list_datasets, make_dataset

__all__ = ["resolve_data", "data_source"]

def resolve_data(dataset: "str | None" = None, features: "str | Path | None" = None, *,
                 taxonomy: "str | None" = None, dataset_knobs: "dict | None" = None) -> FeatureData:
    """The training data of a sweep: a simulated benchmark or a features file.

    Raises
    ------
    ConfigError
        Both ``dataset`` and ``features``, an unknown dataset, or options that do not
        apply (``taxonomy`` without ``features``, ``dataset_knobs`` with ``features``).
    """
    if dataset is not None and features is not None:
        raise ConfigError(f"`dataset` and `features` are exclusive (--dataset or --features); "
                          f"got dataset={dataset!r} and features={str(features)!r}.")
    if features is not None:
        if dataset_knobs:
            raise ConfigError("`dataset_knobs` apply to simulated datasets, not to `features`; "
                              f"got {dataset_knobs!r}.")
        from affectctl.train.features import load_features

        return load_features(features, taxonomy=taxonomy)
    if taxonomy is not None:
        raise ConfigError(f"`taxonomy` applies to `features` files only; got {taxonomy!r}.")
    name = DEFAULT_DATASET if dataset is None else dataset
    if name not in DATASETS:
        raise ConfigError(f"`dataset` must be one of {list_datasets()}; got {name!r}.")
    return make_dataset(name, **dict(dataset_knobs or {}))


def data_source(dataset, features, taxonomy, dataset_knobs) -> dict:
    """The keyword arguments of ``resolve_data`` that a job needs to rebuild the data."""
    return {"dataset": dataset,
            "features": None if features is None else os.path.abspath(features),
            "taxonomy": taxonomy, "dataset_knobs": dict(dataset_knobs or {}) or None}
