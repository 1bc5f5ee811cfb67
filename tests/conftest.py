"""Test configuration: numpy's and the BLAS's kernels held as ``coursekit course autograde`` holds them.

The simulated classes grade students whose trained networks sit near a threshold; held at the AVX2/FMA level
(:mod:`coursekit.course.grading.arithmetic`), their grades are the same on every x86-64 machine with AVX2 and
FMA, whatever its highest instruction set.  The variables take effect only in a process that has not loaded
numpy, so they are set here, before any test module imports it; notebook kernels and sandboxes started by the
tests inherit them (so do pytest-xdist's workers).  The module is loaded from its file, since importing coursekit
would load numpy first.  Below, the number of workers that ``-n auto`` starts.
"""
import importlib.util
import os
import sys
import warnings
from pathlib import Path

_path = Path(__file__).resolve().parents[1] / "coursekit" / "course" / "grading" / "arithmetic.py"
_spec = importlib.util.spec_from_file_location("_coursekit_arithmetic_for_tests", _path)
_arithmetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_arithmetic)

if "numpy" in sys.modules:  # a pytest plugin loaded it: holding only the sandboxes would split grader and sandbox
    warnings.warn("numpy was loaded before tests/conftest.py: its kernels are this CPU's own in this run")
else:
    os.environ.update(_arithmetic.pinned_variables())


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject's addopts): one worker per core this process may use, at most four -- each worker
    compiles and runs numba kernels, notebooks and sandboxes of its own, and memory, not cores, bounds more."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))
