"""Shared fixtures."""

import os

# Under pytest-xdist (two workers on two cores), one BLAS/OpenMP thread per worker: more
# threads than cores only spin. Set before numpy loads its BLAS.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from _synth import synthetic_frame  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Scheduling on the two xdist workers (pyproject: ``-n 2 --dist loadgroup``)
#
# 1. Tests that share a module-scoped fixture of their test module run on one worker
#    (``xdist_group`` = the module's path): the fixture is built once, not once per worker.
#    Tests that carry their own ``xdist_group`` (the Slurm tests) keep it.
# 2. Longest processing time first: the scheduler hands out work units (a test, or a
#    group) in collection order, each worker taking the next one when it is almost idle,
#    so the units are reordered heaviest first by :data:`COST`. The two heaviest tests
#    then start on different workers at once, and the many short tests at the end fill
#    the gaps; the order of the tests within a group is kept. xdist's own reordering of
#    the groups by their number of tests (``--loadscope-reorder``, on by default) is
#    switched off in :func:`pytest_configure`, or it would send every group first.

#: Relative cost of a test (setup + call, seconds with ``python -m pytest -n 0
#: --durations=0`` on the shared 2-core machine under a load of ~6, so about 2-3x an idle
#: machine's). Only the heavy tests are listed (key: node id, or node id without its
#: parameters); any other test counts 0.1. A stale entry only makes the order less good,
#: never a test wrong.
COST = {
    "tests/cli/test_cli_diagnose.py::"
    "test_builtin_benchmark_flags_the_planted_pair[sim-affectnet-pair1]": 250,
    "tests/cli/test_cli_diagnose.py::"
    "test_builtin_benchmark_flags_the_planted_pair[sim-affwild2-pair0]": 193,
    "tests/train/test_train_slurm.py::"
    "test_slurm_sweep_reports_a_cancelled_job_resumes_and_equals_the_local_sweep": 45,
    "tests/train/test_train_sweep.py::"
    "test_killed_and_restarted_sweep_equals_an_uninterrupted_one[2]": 35,
    "tests/cli/test_cli_compare.py::"
    "test_compare_without_runs_trains_into_the_cache_then_reuses_it": 35,
    "tests/cli/test_cli_multi.py::"
    "test_dataset_twice_trains_each_benchmark_into_its_cache_folder": 35,
    "tests/test_readme.py::test_readme_several_benchmark_example_is_what_the_script_prints": 25,
    "tests/cli/test_cli_compare.py::test_compare_writes_report_and_json": 31,
    "tests/report/test_report_paper.py::"
    "test_diagnose_and_compare_commands_write_a_checked_index_html": 27,
    "tests/cli/test_cli_diagnose.py::test_json_in_rank_order": 26,
    "tests/diagnose/test_degeneracy.py::test_thresholds_are_used": 23,
    "tests/train/test_train_sweep.py::"
    "test_killed_and_restarted_sweep_equals_an_uninterrupted_one[1]": 21,
    "tests/cli/test_cli_diagnose.py::test_table_output_and_threshold_options": 20,
    "tests/report/test_report_plan_tables.py::test_degeneracy_table_of_a_plan": 18,
    "tests/controls/test_representation.py::test_representation_table_and_diagnose": 16,
    "tests/cli/test_cli_compare.py::test_compare_prints_table_and_is_deterministic": 16,
    "tests/diagnose/test_degeneracy.py::test_ranks_and_order": 15,
    "tests/train/test_train_sweep.py::test_parallel_workers_give_the_serial_results": 15,
    "tests/sensitivity/test_geometry_sensitivity.py::"
    "test_report_carries_mark_footnote_json_csv_and_figure": 14,
    "tests/report/test_report_plan_tables.py::test_degeneracy_table_numbers": 14,
    "tests/report/test_report_paper.py::test_index_html_renders_in_headless_chromium": 14,
    "tests/diagnose/test_degeneracy.py::test_planted_pairs_random_choice[1]": 13,
    "tests/compare/test_compare_library.py::test_deterministic_given_rng": 12,
    "tests/diagnose/test_degeneracy.py::test_planted_pairs_random_choice[123]": 11,
    "tests/compare/test_compare_single_run.py::test_cli_one_seed_per_condition_in_runs_folder": 11,
    "tests/compare/test_compare_library.py::test_bootstrap_follows_the_alternative": 11,
    "tests/stats/test_stats_seeds.py::TestSignflip::test_exact_up_to_twenty": 11,
    "tests/io/test_tool_formats.py::test_compare_pairs_each_seed_file_with_the_truth": 11,
    "tests/report/test_report_writer.py::test_write_report_uses_atomic_write": 10,
    "tests/report/test_report_figures.py::test_save_figures_writes_every_figure": 10,
    "tests/train/test_train_sanity.py::test_affectnet_anger_contempt_is_degenerate": 10,
    "tests/hardening/test_bad_inputs.py::test_bad_input[compare-seed-notes]": 9,
    "tests/hardening/test_bad_inputs.py::test_bad_input[compare-seed-bak]": 8,
    "tests/sensitivity/test_geometry_sensitivity.py::"
    "test_cli_compare_prints_choice_once_and_writes_sensitivity": 8,
    "tests/cli/test_cli_compare.py::test_report_plan_on_runs_folder": 8,
    "tests/report/test_report_writer.py::test_write_report_writes_all_files": 7,
    "tests/io/test_tool_formats.py::test_compare_says_what_the_truth_file_excluded": 7,
    "tests/compare/test_compare_single_run.py::test_cli_abaw_folders_and_mtl_files_with_truth": 6,
    "tests/compare/test_compare_single_run.py::test_cli_prediction_only_files_with_truth": 6,
    "tests/compare/test_compare_library.py::test_pairs_include_control_contrast": 6,
    "tests/train/test_train_sanity.py::test_affwild2_anger_fear_is_degenerate": 6,
    "tests/cli/test_cli_help.py::test_diagnose_help_lists_every_file_it_writes": 6,
    "tests/compare/test_compare_single_run.py::test_any_number_of_seeds[2]": 5,
    "tests/report/test_report_paper.py::test_figures_report_progress": 5,
}
_DEFAULT_COST = 0.1


def _cost(item) -> float:
    nodeid = item.nodeid.split("@")[0]
    return COST.get(nodeid, COST.get(nodeid.split("[")[0], _DEFAULT_COST))


def _module_fixture_group(item) -> "str | None":
    """The module's path when ``item`` uses a module-scoped fixture defined in tests/."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    tests_dir = Path(__file__).resolve().parent
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs or defs[-1].scope != "module":
            continue
        src = getattr(defs[-1].func, "__code__", None)
        if src is not None and Path(src.co_filename).resolve().is_relative_to(tests_dir):
            return Path(str(item.path)).resolve().relative_to(tests_dir.parent).as_posix()
    return None


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist >= 3.6
        config.option.loadscopereorder = False


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    units: dict = {}  # unit name -> [items], in collection order
    for item in items:
        group = None
        if item.get_closest_marker("xdist_group") is None:
            group = _module_fixture_group(item)
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))
        else:
            mark = item.get_closest_marker("xdist_group")
            group = str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        units.setdefault(group or item.nodeid, []).append(item)
    order = sorted(units.values(), key=lambda unit: -sum(_cost(i) for i in unit))  # stable
    items[:] = [item for unit in order for item in unit]


@pytest.fixture
def frame_factory():
    return synthetic_frame


@pytest.fixture(autouse=True)
def _terminal_size_of_a_pipe(monkeypatch):
    """Every test sees the terminal size of a plain pipe, with or without pytest-xdist.

    xdist's workers inherit ``COLUMNS=80``/``LINES=24`` from their launcher, which made
    console output 80 columns wide under ``-n 2`` and 200 wide without; a test that
    needs a width sets ``COLUMNS`` itself.
    """
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
