"""Grades that do not depend on the grading machine: numpy's and the BLAS's kernels held at the AVX2/FMA level.

numpy picks its ``tanh`` and OpenBLAS its matrix product by the CPU's instruction set, and they round
differently; a chaotic training run grows a last-bit difference into a different network.  The grader holds
both (``coursekit.course.grading.arithmetic``) and gives its sandboxes the same settings.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from coursekit.course.grading import arithmetic, sandbox

PINS = arithmetic.pinned_variables()
needs_pins = pytest.mark.skipif(not PINS, reason="this CPU lacks AVX2 or FMA (or is not x86-64): nothing is held")

# bits of numpy's tanh (dispatched by instruction set) and of a BLAS matrix product (kernel per CPU family)
_BITS = ("import hashlib, json, numpy as np\n"
         "from threadpoolctl import threadpool_info\n"
         "rng = np.random.default_rng(0)\n"
         "x = 3 * rng.normal(size=100_000)\n"
         "a, b = rng.normal(size=(2, 200, 200))\n"
         "blas = [i.get('architecture') for i in threadpool_info() if i.get('user_api') == 'blas']\n"
         "print(json.dumps({'tanh': hashlib.sha256(np.tanh(x).tobytes()).hexdigest(),\n"
         "                  'matmul': hashlib.sha256((a @ b).tobytes()).hexdigest(), 'blas': blas}))\n")


def _bits(env: dict) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in arithmetic.VARIABLES}
    p = subprocess.run([sys.executable, "-c", _BITS], capture_output=True, text=True, env=base | env, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


@needs_pins
def test_pins_name_only_numpys_targets_above_avx2_and_the_haswell_blas():
    cpu = arithmetic._numpy_cpu(as_started=False)
    assert PINS["OPENBLAS_CORETYPE"] == "Haswell" and PINS["MKL_CBWR"] == "AVX2"
    names = PINS.get("NPY_DISABLE_CPU_FEATURES", "").split()
    assert set(names) <= set(cpu["dispatch"]) - set(cpu["baseline"])
    assert all(n.startswith(arithmetic._ABOVE_V3) for n in names)
    assert not {"X86_V3", "AVX2", "FMA3"} & set(names)


@needs_pins
def test_this_test_run_and_its_children_compute_with_the_held_kernels():
    """conftest held this process; a child given the same variables uses the same kernels, and the same bits."""
    for k, v in PINS.items():
        assert os.environ.get(k) == v, f"tests/conftest.py did not set {k}"
    state = arithmetic.current()
    assert state["held"] and "AVX512" not in state["numpy_dispatch"] and state["numpy_dispatch"] != "X86_V4"
    import numpy as np
    import hashlib

    rng = np.random.default_rng(0)
    x = 3 * rng.normal(size=100_000)
    a, b = rng.normal(size=(2, 200, 200))
    here = {"tanh": hashlib.sha256(np.tanh(x).tobytes()).hexdigest(),
            "matmul": hashlib.sha256((a @ b).tobytes()).hexdigest()}
    child = _bits(arithmetic.sandbox_variables())
    assert child["blas"] and set(child["blas"]) == {"Haswell"}
    assert {k: child[k] for k in here} == here


@needs_pins
def test_the_variables_decide_the_bits():
    """The knobs matter: numpy one level lower and another BLAS kernel change the last bits of the results,
    so a sandbox that missed the grader's settings could not compute as the grader does."""
    held = _bits(PINS)
    cpu = arithmetic._numpy_cpu(as_started=False)
    lower = _bits({"NPY_DISABLE_CPU_FEATURES": " ".join(sorted(set(cpu["dispatch"]) - set(cpu["baseline"]))),
                   "OPENBLAS_CORETYPE": "Sandybridge"})
    assert lower["blas"] == ["Sandybridge"]
    assert held["tanh"] != lower["tanh"] and held["matmul"] != lower["matmul"]


def test_sandbox_gets_the_graders_settings(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V4")
    monkeypatch.delenv("MKL_CBWR", raising=False)
    env = sandbox._environment()
    assert env["OPENBLAS_CORETYPE"] == "Haswell" and env["NPY_DISABLE_CPU_FEATURES"] == "X86_V4"
    assert "MKL_CBWR" not in env
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    assert "OPENBLAS_CORETYPE" not in sandbox._environment()


def test_the_report_says_what_the_grader_computes_with():
    prot = sandbox.plan_protections("none")
    assert prot.as_dict()["arithmetic"] == prot.arithmetic
    assert "numpy's kernels at" in prot.arithmetic
    if PINS:
        assert "held in the grader and in every sandbox" in prot.arithmetic


@needs_pins
def test_cli_restarts_itself_with_the_kernels_held(tmp_path):
    """`coursekit course selftest` started without the variables restarts with them, and says so."""
    env = {k: v for k, v in os.environ.items() if k not in arithmetic.VARIABLES + (arithmetic._MARK,)}
    p = subprocess.run([sys.executable, "-m", "coursekit.cli", "course", "selftest", "--course-dir", str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "arithmetic:" in p.stdout and "held in the grader and in every sandbox" in p.stdout, p.stdout


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]


def test_one_blas_thread_while_grading_and_as_before_after(tmp_path, monkeypatch):
    """References are computed with one BLAS thread, as the sandbox computes, whether autograde was
    started by the CLI or called from Python; and parallel grading threads never call a threaded BLAS
    at once (OpenBLAS's threaded syrk, ``x.T @ x``, hung for good that way in a simulated class)."""
    from coursekit._blas import single_threaded_blas
    from coursekit.course.grading import pipeline
    from grading_fixtures.helpers import ASSIGNMENT, released_course, source_nb, submit

    before = _blas_threads()
    assert before, "numpy's BLAS is not visible to threadpoolctl"
    with single_threaded_blas():
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before

    course = released_course(tmp_path / "course", tmp_path / "template")
    for student in ("ada", "ben"):
        submit(course, student, source_nb())
    seen = []
    original = pipeline.expected_values

    def recording(plan):
        seen.append(_blas_threads())
        return original(plan)

    monkeypatch.setattr(pipeline, "expected_values", recording)
    report = pipeline.autograde(course, ASSIGNMENT, jobs=2, isolation="allow")
    assert [s.score for s in report.students] == [report.students[0].max_score] * 2
    assert seen and all(t == [1] * len(before) for t in seen), seen
    assert _blas_threads() == before
