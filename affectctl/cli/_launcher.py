"""The launcher of ``train``, ``compare`` and ``report`` from their launcher options
(declared in :mod:`affectctl.cli.options`; see :mod:`affectctl.train.launchers`)."""

from __future__ import annotations

def make_launcher(launcher, partition, time, cpus, mem, config_file, table_file=None,
                  keep_logs=None):
    """A :class:`~affectctl.train.launchers.LauncherConfig` from the options (None: local)."""
    given = (launcher, partition, time, cpus, mem, config_file, keep_logs)
    if all(v is None for v in given) and table_file is None:
        return None
    from affectctl.train.launchers import launcher_config

    if config_file is None and table_file is not None:
        config_file = table_file
    return launcher_config(launcher, partition=partition, time=time, cpus=cpus, mem=mem,
                           file=config_file, keep_logs=keep_logs)
