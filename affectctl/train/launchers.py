"""Where a sweep's runs execute: this machine's worker pool, or a Slurm cluster.

``--launcher local`` (the default) is :class:`affectctl.train.runner.WorkerPool`.
``--launcher slurm`` submits one Slurm job per (condition, seed) through submitit
(https://github.com/facebookincubator/submitit, the library behind Hydra's Slurm
launcher), all of a sweep's runs as one job array, then waits and shows a progress
bar of finished jobs.

Each job rebuilds the sweep's data from its *source* (the simulated dataset's name and
knobs, or the features file's absolute path: it must be on a filesystem the compute
nodes share), trains its run with one torch thread and writes its dump atomically
(:func:`affectctl.io.dumps.write_dump`) to ``<out>/<dataset>/<condition>/seed-<k>.parquet``,
so ``--out`` must be shared too. The job runs exactly the code of a local worker
(:func:`affectctl.train.loop.run_one`), hence the same predictions. Jobs run the
submitting interpreter (``sys.executable``) and so the affectctl installed in it (its
environment must be on a filesystem the compute nodes share); no source folder is put on
``PYTHONPATH``, and the job's log names the ``affectctl/__init__.py`` it imported.

Logs go to ``<out>/.slurm/<job id>/<job id>_<task>_log.{out,err}``; those of jobs that
succeeded are removed after the sweep unless ``keep_logs = true`` in ``[launcher]``. A
job that fails (an exception, ``scancel``, time or memory limit, node failure) is
reported with its condition, seed, Slurm state, exit code and log path (when a log
exists), after the other jobs have finished; the sweep then raises
:class:`SweepJobError` (the CLI exits with status 2). A ``scancel`` of a running job
stops it at once (SIGTERM, which submitit otherwise ignores until Slurm's kill grace
period) and counts as cancelled; its dump, written atomically, is kept only if it was
complete.
The dumps that were written stay: running the same command again skips them and
submits only the missing runs.

Job states come from ``sacct``, or from ``scontrol show job`` on clusters without
accounting (such as a single-node test cluster); a job's result file, written by
submitit when the function returns, is checked first.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import time as _time
from dataclasses import dataclass
from pathlib import Path

from affectctl.errors import AffectctlError, ConfigError

__all__ = ["LAUNCHERS", "LauncherConfig", "SweepJobError", "JobCancelled", "launcher_config",
           "run_slurm"]

LAUNCHERS = ("local", "slurm")
_KEYS = ("type", "partition", "time", "cpus", "mem", "account", "qos", "gres", "gpus",
         "additional_parameters", "keep_logs")
#: sbatch options affectctl sets itself: not accepted in ``additional_parameters``.
_MANAGED = {"time", "cpus_per_task", "partition", "mem", "array", "job_name", "output", "error",
            "wrap", "account", "qos", "gres", "gpus_per_node", "open_mode", "signal", "ntasks_per_node",
            "nodes"}
# Slurm states after which a job will not run again (sacct(1), "JOB STATE CODES")
_FINAL = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL",
          "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT", "REVOKED"}
# Polls a job may stay unknown to Slurm (or COMPLETED without its result file) before it
# counts as failed: about a minute once the poll interval has grown to 10 s.
_UNKNOWN_POLLS = 12


class SweepJobError(AffectctlError):
    """One or more training jobs of a sweep failed; the finished dumps are kept."""


@dataclass(frozen=True)
class LauncherConfig:
    """How a sweep runs its jobs.

    Attributes
    ----------
    type : {"local", "slurm"}
    partition : str, optional
        Slurm partition (``sbatch --partition``); the cluster's default when None.
    time : int
        Time limit per job, in minutes (``sbatch --time``).
    cpus : int
        CPUs per job (``--cpus-per-task``). A run trains with one torch thread
        whatever this is (so that its predictions do not depend on it).
    mem : str, optional
        Memory per job (``--mem``, e.g. ``"4G"``); the cluster's default when None.
    poll : float
        Seconds between two looks at the jobs' states (grows by 1.25x up to 10 s).
    account, qos : str, optional
        ``sbatch --account`` / ``--qos``.
    gres : str, optional
        Generic resources, ``sbatch --gres`` (``"gpu:1"``, ``"gpu:a100:2"``).
    gpus : int, optional
        GPUs per node (``--gpus-per-node``).
    additional_parameters : tuple of (str, value)
        Other sbatch options (``constraint = "v100"`` gives ``--constraint=v100``; ``true``
        gives a bare flag); the options affectctl sets itself are refused.
    keep_logs : bool, default False
        Keep the ``.slurm/`` logs of jobs that succeeded (a failed job's logs are always kept).
    """

    type: str = "local"
    partition: "str | None" = None
    time: int = 60
    cpus: int = 1
    mem: "str | None" = None
    poll: float = 1.0
    account: "str | None" = None
    qos: "str | None" = None
    gres: "str | None" = None
    gpus: "int | None" = None
    additional_parameters: tuple = ()
    keep_logs: bool = False


def _parse_time(value, where: str) -> int:
    """Minutes from ``90``, ``"90"``, ``"MM:SS"``, ``"HH:MM:SS"`` or ``"D-HH[:MM[:SS]]"``."""
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be minutes or [D-]HH:MM:SS; got {value!r}.")
    if isinstance(value, int):
        minutes = value
    else:
        text = str(value).strip()
        m = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", text)
        if not m:
            raise ConfigError(f"{where} must be minutes or [D-]HH:MM:SS (Slurm's --time); "
                              f"got {value!r}.")
        d, a, b, c = (int(x) if x is not None else None for x in m.groups())
        if d is not None:  # D-HH, D-HH:MM, D-HH:MM:SS
            minutes = d * 1440 + a * 60 + (b or 0) + (1 if c else 0)
        elif b is None:  # MM
            minutes = a
        elif c is None:  # MM:SS
            minutes = a + (1 if b else 0)
        else:  # HH:MM:SS
            minutes = a * 60 + b + (1 if c else 0)
    if minutes < 1:
        raise ConfigError(f"{where} must be at least one minute; got {value!r}.")
    return minutes


def launcher_config(launcher: "str | None" = None, *, partition: "str | None" = None,
                    time=None, cpus: "int | None" = None, mem: "str | None" = None,
                    file: "str | Path | None" = None, table: "dict | None" = None,
                    keep_logs: "bool | None" = None) -> LauncherConfig:
    """Merge the command-line options over a ``[launcher]`` TOML table.

    Parameters
    ----------
    launcher, partition, time, cpus, mem
        ``--launcher``, ``--slurm-partition``, ``--slurm-time``, ``--slurm-cpus``,
        ``--slurm-mem``; None leaves the table's value (or the default).
    file : path, optional
        TOML file whose ``[launcher]`` table (keys ``type``, ``partition``, ``time``,
        ``cpus``, ``mem``) gives the defaults.
    table : dict, optional
        An already-read ``[launcher]`` table (an analysis plan's).
    keep_logs : bool, optional
        ``--keep-logs``: keep the ``.slurm/`` logs of jobs that succeeded; None leaves the
        table's ``keep_logs`` (default false: they are removed after the sweep).

    Raises
    ------
    ConfigError
        An unknown key or launcher, a bad value, or an unreadable file.
    """
    where = "[launcher]"
    if file is not None:
        table = _read_table(file)
        where = f"{file}: [launcher]"
    table = dict(table or {})
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {list(_KEYS)}.")
    kind = launcher if launcher is not None else table.get("type", "local")
    if kind not in LAUNCHERS:
        src = "--launcher" if launcher is not None else f"{where} type"
        raise ConfigError(f"{src} must be one of {list(LAUNCHERS)}; got {kind!r}.")
    part = partition if partition is not None else table.get("partition")
    if part is not None and (not isinstance(part, str) or not part.strip()):
        raise ConfigError(f"--slurm-partition / {where} partition must be a partition name; "
                          f"got {part!r}.")
    minutes = _parse_time(time if time is not None else table.get("time", 60),
                          "--slurm-time" if time is not None else f"{where} time")
    n_cpus = cpus if cpus is not None else table.get("cpus", 1)
    if isinstance(n_cpus, bool) or not isinstance(n_cpus, int) or n_cpus < 1:
        raise ConfigError(f"--slurm-cpus / {where} cpus must be a positive integer; got {n_cpus!r}.")
    memory = mem if mem is not None else table.get("mem")
    if memory is not None:
        memory = str(memory).strip()
        if not re.fullmatch(r"\d+[KMGT]?", memory, flags=re.IGNORECASE):
            raise ConfigError(f"--slurm-mem / {where} mem must look like 4G or 4000M (Slurm's "
                              f"--mem); got {memory!r}.")
    names = {}
    word = r"[A-Za-z0-9_.\-]+"
    gres = rf"{word}(:{word})*(,{word}(:{word})*)*"  # gpu:1, gpu:a100:2, gpu:1,shard:2
    for key, pattern, example in (("account", word, "an account name"), ("qos", word, "a QOS name"),
                                  ("gres", gres, "like gpu:1 or gpu:a100:2")):
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not re.fullmatch(pattern, value)):
            raise ConfigError(f"{where} {key} must be {example} (letters, digits, '_', '-', '.'"
                              f"{', :' if key == 'gres' else ''}); got {value!r}.")
        names[key] = value
    gpus = table.get("gpus")
    if gpus is not None and (isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1):
        raise ConfigError(f"{where} gpus must be a positive integer (GPUs per node); got {gpus!r}.")
    extra = table.get("additional_parameters", {})
    if not isinstance(extra, dict):
        raise ConfigError(f"{where} additional_parameters must be a table of sbatch options "
                          f"(additional_parameters = {{constraint = \"v100\"}}); got {extra!r}.")
    for key, value in extra.items():
        norm = key.replace("-", "_")
        if not re.fullmatch(r"[a-z][a-z0-9_\-]*", key):
            raise ConfigError(f"{where} additional_parameters: {key!r} is not an sbatch option name "
                              "(lower-case letters, digits, '-', '_').")
        if norm in _MANAGED:
            raise ConfigError(f"{where} additional_parameters: --{key.replace('_', '-')} is set by "
                              "affectctl (use the launcher's own key, or none).")
        ok = value is True or (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, str) and value.isprintable() and value.strip() == value and value)
        if not ok:
            raise ConfigError(f"{where} additional_parameters: --{key} must be a printable "
                              f"string, an integer or true; got {value!r}.")
    keep = keep_logs if keep_logs is not None else table.get("keep_logs", False)
    if not isinstance(keep, bool):
        raise ConfigError(f"{where} keep_logs must be true or false; got {keep!r}.")
    return LauncherConfig(type=kind, partition=part, time=minutes, cpus=n_cpus, mem=memory,
                          gpus=gpus, additional_parameters=tuple(sorted(extra.items())),
                          keep_logs=keep, **names)


def _read_table(file) -> dict:
    from affectctl._util.validation import read_toml

    path = Path(file)
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"launcher file {path} does not exist.")
    raw = read_toml(path, "launcher file")
    table = raw.get("launcher", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `launcher` must be a table ([launcher]); got {table!r}.")
    return table


# ----------------------------------------------------------------------------------------------
# the job


class JobCancelled(Exception):
    """A job received SIGTERM (``scancel``, or the end of its time limit)."""


def _on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise JobCancelled("cancelled: the job received SIGTERM (scancel or its time limit)")


def _train_job(source: dict, condition, seed: int, path: str, embeddings: bool) -> str:
    """One (condition, seed) run inside a Slurm job: rebuild the data, train, write the dump.

    submitit ignores SIGTERM inside a job (it logs "Bypassing signal SIGTERM") until Slurm's
    kill grace period ends, so a plain ``scancel`` would let the run finish and count as a
    success; here SIGTERM stops the run at once (the dump is written atomically: it is
    either complete or absent) and the sweep reports the task as cancelled.
    """
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    from affectctl.train.loop import run_one
    from affectctl.train.data import resolve_data

    # in the job's log: which affectctl the job imported (the submitting interpreter's)
    print(f"affectctl from {Path(__file__).resolve().parents[1] / '__init__.py'}", file=sys.stderr,
          flush=True)
    data = resolve_data(**source)
    return str(run_one(condition, data, seed, path, embeddings=embeddings))


# ----------------------------------------------------------------------------------------------
# submitting and waiting


def _executor(config: LauncherConfig, folder: Path, n_jobs: int):
    try:
        import submitit
    except ImportError:
        raise ConfigError("--launcher slurm needs submitit: pip install 'affectctl[train]' "
                          "(or pip install submitit).") from None
    import shutil

    if shutil.which("sbatch") is None or shutil.which("srun") is None:
        raise SweepJobError("--launcher slurm: `sbatch` was not found; run the sweep on a "
                            "machine that submits Slurm jobs (a login node).")
    executor = submitit.SlurmExecutor(folder=folder, python=sys.executable)
    params = dict(time=config.time, cpus_per_task=config.cpus, array_parallelism=n_jobs,
                  job_name="affectctl-train",
                  setup=["export OMP_NUM_THREADS=1"])
    if config.partition is not None:
        params["partition"] = config.partition
    if config.mem is not None:
        params["mem"] = config.mem
    for key in ("account", "qos", "gres"):
        if getattr(config, key) is not None:
            params[key] = getattr(config, key)
    if config.gpus is not None:
        params["gpus_per_node"] = config.gpus
    if config.additional_parameters:
        params["additional_parameters"] = dict(config.additional_parameters)
    executor.update_parameters(**params)
    return executor


def _parse_task_ids(text: str) -> list[int]:
    """``"3"``, ``"1-4"``, ``"1,3-5%2"`` -> task ids."""
    out: list[int] = []
    for part in text.split("%")[0].split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+)(?::(\d+))?)?", part.strip())
        if m:
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            out.extend(range(lo, hi + 1, int(m.group(3) or 1)))
    return out


def _sacct(array_ids) -> dict:
    try:
        out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,State,ExitCode", "-j",
                              ",".join(sorted(array_ids))],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    states: dict = {}
    if out.returncode != 0:  # e.g. "Slurm accounting storage is disabled"
        return states
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if len(parts) < 3:
            continue
        m = re.fullmatch(r"(\d+)_\[?([^\]]+)\]?", parts[0])
        if m:
            for t in _parse_task_ids(m.group(2)):
                states[f"{m.group(1)}_{t}"] = ((parts[1].split() or ["UNKNOWN"])[0], parts[2])
    return states


def _scontrol(array: str, states: dict) -> None:
    try:
        out = subprocess.run(["scontrol", "show", "job", "-o", array], capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return
    if out.returncode != 0 or not out.stdout.strip():
        return
    # the array is known; a task cancelled while pending then has no record at all
    states[array] = ("KNOWN", "")
    for line in out.stdout.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("ArrayJobId") == array and "ArrayTaskId" in fields:
            for t in _parse_task_ids(fields["ArrayTaskId"]):
                states[f"{array}_{t}"] = (fields.get("JobState", "UNKNOWN"),
                                          fields.get("ExitCode", "?"))


def _states(array_ids: "set[str]") -> "dict[str, tuple[str, str]]":
    """``{"<array>_<task>": (state, exit code)}`` from sacct, and from ``scontrol show job``
    for arrays that sacct does not list (no accounting, or not recorded yet); an array
    that scontrol knows also maps to ``("KNOWN", "")``."""
    states = _sacct(array_ids)
    listed = {k.split("_")[0] for k in states}
    for array in sorted(set(array_ids) - listed):
        _scontrol(array, states)
    return states


def _outcome(job) -> "tuple[str, str] | None":
    """submitit's ``("success", path)`` or ``("error", traceback)`` once the job returned."""
    path = job.paths.result_pickle
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        return None
    except (EOFError, pickle.UnpicklingError):  # being written
        return None


def _ended_in_log(job) -> "tuple[str, str] | None":
    """``("CANCELLED", ...)`` / ``("TIMEOUT", ...)`` when slurmstepd wrote that the job ended
    so into its log (``*** JOB 5 ON node CANCELLED AT ...``); for clusters without
    accounting, where Slurm soon forgets a finished job."""
    try:
        with open(job.paths.stderr, "rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 8192))
            tail = fh.read().decode(errors="replace")
    except OSError:
        return None
    m = re.search(r"\*\*\* (?:JOB|STEP) \S+ ON \S+ CANCELLED AT \S+( DUE TO TIME LIMIT)?", tail)
    if m is None:
        return None
    return ("TIMEOUT", "none (time limit)") if m.group(1) else ("CANCELLED", "none (scancel)")


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no message"


def run_slurm(todo, source: dict, embeddings: bool, config: LauncherConfig, out: "str | Path",
              bar) -> None:
    """Run ``todo`` (``[(condition, seed, path), ...]``) as one Slurm job array and wait.

    Parameters
    ----------
    todo : list of (Condition, int, Path)
    source : dict
        Keyword arguments of :func:`affectctl.train.data.resolve_data` that rebuild
        the sweep's data inside each job.
    embeddings : bool
    config : LauncherConfig
    out : path
        The sweep's ``--out``; logs go to ``<out>/.slurm/``.
    bar
        Progress bar (``advance(text)``), advanced once per finished job.

    Raises
    ------
    SweepJobError
        One or more jobs failed; the message names each one's condition, seed, Slurm
        job id, state, exit code and log file.
    """
    folder = Path(out).resolve() / ".slurm"
    folder.mkdir(parents=True, exist_ok=True)
    executor = _executor(config, folder / "%j", len(todo))
    n = len(todo)
    try:
        jobs = executor.map_array(_train_job, [source] * n, [c for c, _, _ in todo],
                                  [s for _, s, _ in todo],
                                  [str(Path(p).resolve()) for _, _, p in todo], [embeddings] * n)
    except Exception as exc:  # submitit raises its own error type for a failed sbatch
        raise SweepJobError(f"--launcher slurm: sbatch refused the job array: "
                            f"{_last_line(exc)}") from None
    arrays = {str(j.job_id).split("_")[0] for j in jobs}
    pending = dict(enumerate(jobs))
    failures = []
    cancelled = 0
    done_jobs = []
    unknown: dict = {}
    late: dict = {}
    delay = config.poll
    try:
        while pending:
            states = None
            for i in sorted(pending):
                job = pending[i]
                cond, seed, _ = todo[i]
                outcome = _outcome(job)
                if outcome is None:
                    if states is None:
                        states = _states(arrays)
                    state, code = states.get(str(job.job_id), (None, None))
                    if state is None and str(job.job_id).split("_")[0] in states:
                        # scontrol knows the array but not this task: cancelled before it
                        # started (sacct, with accounting, would list it as CANCELLED)
                        state, code = "CANCELLED", "none (cancelled before it started)"
                    if state is None and (said := _ended_in_log(job)) is not None:
                        state, code = said  # slurmstepd's own line in the job's log
                    if state is None:
                        # not (or no longer) known to Slurm: wait a while, then give up
                        unknown[i] = unknown.get(i, 0) + 1
                        if unknown[i] < _UNKNOWN_POLLS:
                            continue
                        outcome = ("lost", "UNKNOWN", "? (no longer known to Slurm)")
                    elif state not in _FINAL:
                        unknown[i] = 0
                        continue
                    elif state == "COMPLETED" and late.get(i, 0) < _UNKNOWN_POLLS:
                        late[i] = late.get(i, 0) + 1  # its result file may still be on its way
                        continue
                    else:
                        outcome = ("lost", state, code)
                del pending[i]
                if outcome[0] == "success":
                    bar.advance(f"{cond.name} seed {seed}")
                    done_jobs.append(job)
                    continue
                log = Path(job.paths.stderr)
                dump = Path(todo[i][2])
                if outcome[0] == "error" and "JobCancelled" in str(outcome[1]):
                    what = "CANCELLED (SIGTERM: scancel or time limit)"
                    cancelled += 1
                elif outcome[0] == "error":
                    what = f"FAILED, exit 1: {_last_line(outcome[1])}"
                else:
                    what = f"{outcome[1]}, exit {outcome[2]}"
                    cancelled += outcome[1] == "CANCELLED"
                if outcome[1] == "CANCELLED" or "JobCancelled" in str(outcome[1]):
                    what += ("; its dump was complete and is kept" if dump.is_file()
                             else "; no dump written")
                shown = f"log {log}" if log.is_file() else "no log: it never started"
                failures.append(f"{cond.name} seed {seed} (job {job.job_id}, {what}; {shown})")
                bar.advance(f"{cond.name} seed {seed} failed")
            if pending:
                _time.sleep(delay)
                delay = min(max(config.poll, 10.0), delay * 1.25)
    except BaseException:
        # interrupted while waiting (Ctrl-C): do not leave the array running unattended
        for job in pending.values():
            try:
                job.cancel(check=False)
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        raise
    if not config.keep_logs:
        _remove_logs(done_jobs, folder)
    if failures:
        said = f" ({cancelled} cancelled)" if cancelled else ""
        raise SweepJobError(
            f"{len(failures)} of {n} Slurm training job(s) failed{said}: " + "; ".join(failures)
            + ". Finished dumps are kept; run the same command again to retry the failed runs.")


def _remove_logs(jobs, folder: Path) -> None:
    """Remove the ``.slurm/<job id>/`` folders of jobs that succeeded (``keep_logs = false``);
    ``.slurm/`` itself when nothing else is left in it."""
    import shutil

    for job in jobs:
        job_folder = Path(job.paths.folder)
        if job_folder.parent == folder:
            shutil.rmtree(job_folder, ignore_errors=True)
    try:
        leftovers = [p for p in folder.iterdir() if not p.name.endswith(".sh")
                     and not p.name.endswith("_submission.sh")]
        if not leftovers:
            shutil.rmtree(folder, ignore_errors=True)
    except FileNotFoundError:
        pass
