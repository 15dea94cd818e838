"""``affectctl train CONDITION...``: train conditions × seeds and write one dump per run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

import affectctl._util.validation as check
from affectctl.io.layout import DEFAULT_CACHE
import affectctl.cli.options as options
from affectctl.cli._launcher import make_launcher
from affectctl.cli._app import command, console

_HELP = (
    "Train CONDITIONS over seeds and write one prediction dump per run to "
    "OUT/<dataset>/<condition>/seed-<k>.parquet.\n\n"
    "A condition is a file <name>.toml, looked up in --models, then ./models, then the "
    "conditions shipped with affectctl (base, circumplex, uniform, permuted, au, reweight, balanced, logit-adjust, "
    "label-smoothing, arbex). Finished dumps are skipped, so an interrupted sweep resumes where "
    "it stopped.\n\n"
    "Data: the built-in simulated benchmark (--dataset sim-affwild2, the default, or "
    "sim-affectnet), or your own precomputed features (--features FILE), never both.\n\n"
    "--features FILE format (Parquet or NPZ, one row per frame): feature columns f_0 .. f_{d-1} "
    "(or one NPZ array X of shape (n, d)); label (class index in the taxonomy's numbering, or "
    "class name; -1 = not annotated); split (train or test); optional valence and arousal in "
    "[-1, 1] (-5 = not annotated); optional au<N> columns (0/1, -1 = not annotated); optional "
    "group (video); optional sample_id (unique among test rows). The taxonomy comes from "
    "--taxonomy, or from the file: an NPZ string array 'taxonomy', or Parquet metadata "
    "affectctl = {\"taxonomy\": NAME}."
)


@command("train", help=_HELP)
def train_cli(
    conditions: Annotated[list[str], typer.Argument(
        metavar="CONDITIONS",
        help="Condition names (<name>.toml in --models, ./models or the shipped ones) or .toml paths.", show_default=False)],
    dataset: options.TrainDataset = None,
    features: Annotated[Optional[Path], typer.Option(
        "--features", help="Parquet or NPZ features file (format above).")] = None,
    taxonomy: Annotated[Optional[str], typer.Option(
        "--taxonomy", help="Taxonomy of a --features file that does not declare one.")] = None,
    seeds: Annotated[int, typer.Option(
        "--seeds", help="Number of training seeds (0 .. N-1).")] = 5,
    out: Annotated[Path, typer.Option("--out", help="Root folder of the dumps.")] = DEFAULT_CACHE,
    models: Annotated[Optional[Path], typer.Option(
        "--models", "--conditions", help="Folder searched first for condition files (then "
        "./models, then the shipped conditions).")] = None,
    embeddings: Annotated[bool, typer.Option(
        "--embeddings", help="Also store test embeddings (emb_<i> columns).")] = False,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", help="Worker processes (default: 2 when there are 2 or more cores).")] = None,
    label_noise: Annotated[Optional[str], typer.Option(
        "--label-noise", help="Also train each condition with symmetric label noise at these "
        "rates, e.g. 0.1,0.2,0.3 (conditions <name>@noise<rate>).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar or summary.")] = False,
    launcher: options.Launcher = None, slurm_partition: options.Partition = None, slurm_time: options.Time = None,
    slurm_cpus: options.Cpus = None, slurm_mem: options.Mem = None, launcher_config: options.ConfigFile = None,
    keep_logs: options.KeepLogs = None,
) -> None:
    from affectctl.train import sweep  # lazy: training loads torch only in its workers

    check.check_count("--seeds", seeds, limit=check.MAX_SEEDS)
    check.check_workers("--workers", workers)
    check.check_output_dir("--out", out)

    paths = sweep(list(conditions), dataset=dataset, seeds=seeds, out=out, features=features,
                  models_dir=models, embeddings=embeddings, progress=not quiet,
                  taxonomy=taxonomy, workers=workers,
                  label_noise=None if label_noise is None else _rates(label_noise),
                  launcher=make_launcher(launcher, slurm_partition, slurm_time, slurm_cpus,
                                           slurm_mem, launcher_config, keep_logs=keep_logs))
    if quiet:
        return
    by_condition: dict = {}
    for (name, _), path in paths.items():
        by_condition.setdefault(name, []).append(path)
    for name, ps in by_condition.items():
        console.print(f"{name}: {len(ps)} dump(s) in {ps[0].parent}", markup=False)


def _rates(text: str) -> list:
    from affectctl.errors import ConfigError

    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ConfigError(f"`--label-noise` must be comma-separated rates in (0, 1), e.g. "
                          f"0.1,0.2,0.3; got {text!r}.") from None
