"""A single-run ``affectctl compare`` with its full report loads neither ``scipy.stats``
nor ``scipy.special`` nor statsmodels nor seaborn (issue 30): importing them costs 0.56 s,
0.2 s and 0.5 s, and the command needs none of them (``affectctl/stats/__init__.py``,
``stats/_tails.py``, ``report/figures/confusion.py`` say why). The other commands may load them when a test
they run needs one; that is what the lazy imports are for.

One fresh interpreter, on one usable core so that every test and figure runs in it (no
forked worker whose imports it would not see), imports the analysis and report
packages, then runs the command on two small prediction files (the ``compare a.csv
b.csv`` format of the README) with ``-q`` and reports which of the three modules got
loaded, after each step.
"""

from __future__ import annotations

import json
import subprocess
import sys

from _synth import write_prediction_pair

HEAVY = ["scipy.stats", "scipy.special", "statsmodels", "seaborn"]


def test_single_run_compare_and_report_load_no_scipy_stats_special_statsmodels_or_seaborn(tmp_path):
    a, b = map(str, write_prediction_pair(tmp_path, n=240, videos=12, seed=7))
    out = tmp_path / "out"
    code = (
        "import json, os, sys\n"
        "if hasattr(os, 'sched_setaffinity'):  # one core: no fork (elsewhere none anyway)\n"
        "    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "def report(step):\n"
        f"    print(json.dumps([step, [m for m in {HEAVY!r} if m in sys.modules]]), flush=True)\n"
        "import affectctl.cli.compare, affectctl.compare, affectctl.report, affectctl.stats\n"
        "import affectctl.report.figures.confusion\n"
        "report('import')\n"
        "sys.argv = ['affectctl', 'compare', sys.argv[1], sys.argv[2], '--taxonomy',\n"
        "            'affwild2-expr7', '--out', sys.argv[3], '-q']\n"
        "from affectctl.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "report('compare')\n")
    done = subprocess.run([sys.executable, "-c", code, a, b, str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    assert [r[0] for r in rows] == ["import", "compare"]
    assert rows == [["import", []], ["compare", []]], f"loaded: {rows}"
    # the report is whole, every figure drawn in this process (one usable core)
    assert (out / "confusion.pdf").is_file() and (out / "confusion.png").is_file()
    assert (out / "index.html").is_file()


def test_the_console_script_pauses_garbage_collection_for_its_start_up_only():
    # main() pauses the collector while typer and the command's modules are imported; the
    # command starts with it running again, the start-up's objects frozen out of it
    code = (
        "import gc, json, sys\n"
        "import affectctl.cli as cli\n"
        "seen = []\n"
        "resume = cli.resume_collection\n"
        "def spy():\n"
        "    seen.append(gc.isenabled())\n"
        "    resume()\n"
        "    seen.append([gc.isenabled(), gc.get_freeze_count() > 0])\n"
        "cli.resume_collection = spy\n"
        "sys.argv = ['affectctl', 'formats']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [False, [True, True]]


def test_a_command_run_from_python_leaves_the_collector_as_it_was():
    import gc

    from typer.testing import CliRunner

    from affectctl.cli import app, load_command

    load_command("formats")
    frozen = gc.get_freeze_count()
    assert CliRunner().invoke(app, ["formats"]).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
