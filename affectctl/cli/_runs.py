"""Train what a command needs: the one place the command line starts the training core.

``compare``, ``diagnose`` and ``report`` (through the analysis plan runner) call
:func:`ensure_runs` when no ``--runs`` folder is given. It trains the missing
``(condition, seed)`` runs into ``<cache>/<dataset>/`` and says what it does; cached
runs are reused, never silently retrained.
"""

from __future__ import annotations

from pathlib import Path

from affectctl.cli._app import err_console

__all__ = ["ensure_runs"]


def ensure_runs(conditions, *, dataset: str, seeds, cache, embeddings: "bool | str" = "keep",
                progress: bool = True, launcher=None, while_waiting=None) -> Path:
    """Train the runs of ``conditions`` that ``<cache>/<dataset>`` lacks; return that folder.

    Parameters
    ----------
    conditions : sequence of str
        Condition names (files in ``models/``) or condition files.
    dataset : str
        A built-in simulated benchmark (:mod:`affectctl.train.datasets`).
    seeds : int or sequence of int
    cache : str or Path
    embeddings : {"keep", True, False}, default "keep"
        ``"keep"``: new runs store test-set embeddings (``diagnose`` can reuse them);
        runs cached without them are kept as they are (compare and the plan tables
        need none). ``True``: every run must have embeddings; cached runs without them
        are trained again (same seed, same predictions), which is said on stderr.
        ``False``: no embeddings.
    progress : bool, default True
    launcher : LauncherConfig, optional
        Where the runs execute (:mod:`affectctl.train.launchers`).
    while_waiting : callable, optional
        The command's next step (its imports), started on the core a finished worker
        leaves idle while the last runs train (:func:`affectctl.train.sweep`).
    """
    from affectctl.io.runs import cached_without_embeddings
    from affectctl.train import sweep  # lazy: torch loads only when training is needed

    bare = cached_without_embeddings(conditions, cache, dataset, seeds) if embeddings else []
    if embeddings is True and bare:
        err_console.print(
            f"affectctl: {len(bare)} cached run(s) in {Path(cache) / dataset} have no embeddings "
            "(trained without --embeddings); training them again to add them (same seed, same "
            "predictions) for the linear-probe evidence. Pass --no-representation to use them "
            "as they are.", markup=False)
    want = embeddings is True or (embeddings == "keep" and not bare)
    sweep(list(conditions), dataset=dataset, seeds=seeds, out=cache, embeddings=want,
          progress=progress, launcher=launcher, while_waiting=while_waiting)
    return Path(cache) / dataset
