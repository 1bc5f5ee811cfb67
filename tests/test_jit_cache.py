"""numba kernels: compiled once, cached on disk, loaded by a fresh process."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import coursekit as ck

PROBE = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import coursekit as ck
    from coursekit.neurons import lif
    t1 = time.perf_counter()
    compiled_at_import = len(getattr(lif.rhs, "signatures", []))
    res = ck.simulate(ck.neurons.LIF(), 100.0, dt=0.1, I=300.0)
    hits = misses = 0
    if ck._jit.jit_active():
        from coursekit.solvers._codegen import kernel_module
        k = kernel_module("coursekit.neurons.lif", 1).run_fixed_exp_euler  # LIF default method
        hits, misses = sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())
    print(json.dumps({"hits": hits, "misses": misses,
                      "spikes": int(res.n_spikes), "import_s": t1 - t0,
                      "compiled_at_import": compiled_at_import,
                      "jit": ck._jit.jit_active(), "cache": str(ck._jit.cache_root())}))
""")


def _run(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fresh_process_loads_kernels_from_disk(tmp_path):
    env = {"COURSEKIT_CACHE_DIR": str(tmp_path / "ck"), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    first = _run(env)
    second = _run(env)
    assert first["misses"] >= 1  # compiled the first time
    assert second["hits"] >= 1 and second["misses"] == 0  # loaded, not compiled
    assert first["spikes"] == second["spikes"] > 0
    assert second["compiled_at_import"] == 0  # importing coursekit compiles nothing
    assert second["cache"].startswith(str(tmp_path / "ck"))


def test_first_call_notice_speaks_only_while_a_first_call_takes_long(capsys):
    """A student's first run of a model compiles for seconds: a line on stderr says so (and that it is
    cached), where a kernel already ran, or a call is quick, nothing is printed."""
    import time

    from coursekit._jit import first_call_notice

    class Fresh:  # a numba dispatcher before its first call
        signatures = []

    class Ready:  # ... and after it
        signatures = ["(float64,)"]

    seen = ""
    with first_call_notice(Fresh(), "the probe kernel", after=0.05):
        deadline = time.monotonic() + 60
        while "compiling the probe kernel" not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
            seen += capsys.readouterr().err
    seen += capsys.readouterr().err
    assert "coursekit: compiling the probe kernel (the first run only" in seen
    assert "coursekit: compiled the probe kernel in" in seen
    with first_call_notice(Fresh(), "a quick call", after=60.0):
        pass
    with first_call_notice(Ready(), "a kernel that ran", after=0.0):
        time.sleep(0.1)
    with first_call_notice(lambda: None, "plain Python", after=0.0):
        time.sleep(0.1)
    assert capsys.readouterr().err == ""


def test_first_call_notice_never_stops_a_run_for_want_of_a_thread(monkeypatch, capsys):
    """In a grading sandbox whose process limit is reached, the notice's thread cannot start: the kernel
    must run all the same."""
    import threading

    from coursekit._jit import first_call_notice

    class Fresh:
        signatures = []

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Timer, "start", refuse)
    ran = []
    with first_call_notice(Fresh(), "a kernel", after=0.0):
        ran.append(True)
    assert ran == [True] and capsys.readouterr().err == ""


def test_a_cold_first_simulate_says_it_compiles(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
    env.update(COURSEKIT_CACHE_DIR=str(tmp_path / "ck"), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    probe = ("import coursekit as ck\nimport coursekit._jit\ncoursekit._jit.NOTICE_AFTER = 0.0\n"
             "ck.simulate(ck.neurons.LIF(), 10.0, dt=0.1, I=300.0)\n")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "coursekit: compiling the exponential_euler kernel of LIF" in out.stderr
    assert "coursekit: compiled the exponential_euler kernel of LIF in" in out.stderr


def test_unwritable_cache_dir_falls_back(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = {"COURSEKIT_CACHE_DIR": str(blocker / "cache"), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
           "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    info = _run(env)
    assert info["spikes"] > 0
    assert info["cache"].startswith(str(tmp_path / "xdg"))


def test_jit_off_by_environment(tmp_path):
    info = _run({"COURSEKIT_DISABLE_JIT": "1", "COURSEKIT_CACHE_DIR": str(tmp_path)})
    assert info["jit"] is False and info["spikes"] > 0


def test_set_jit_runs_plain_python_with_same_result():
    m = ck.neurons.AdEx()
    a = ck.simulate(m, 50.0, dt=0.05, I=200.0)
    ck.set_jit(False)
    try:
        b = ck.simulate(m, 50.0, dt=0.05, I=200.0)
    finally:
        ck.set_jit(True)
    np.testing.assert_allclose(a.y, b.y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a.spike_times, b.spike_times, rtol=1e-10)


def test_numba_cache_dir_is_under_the_cache_root_even_with_a_read_only_package(monkeypatch, tmp_path):
    import numba

    from coursekit import _jit

    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setattr(_jit, "_CACHE_ROOT", tmp_path)
    real = _jit._writable
    monkeypatch.setattr(_jit, "_writable", lambda p: False if p == _jit._PACKAGE_DIR / "__pycache__" else real(p))
    _jit._ensure_numba_cache_dir()
    assert numba.config.CACHE_DIR == str(tmp_path / "numba" / _jit.source_digest())


def test_numba_cache_belongs_to_one_version_of_the_sources(tmp_path):
    """numba's index checks a kernel's own file only; kernels inline other modules' functions, so the
    cache directory carries a digest of every source file: an edit anywhere starts a fresh cache."""
    import shutil
    from pathlib import Path

    from coursekit._jit import source_digest

    probe = ("import json, numba, coursekit._jit as j\n"
             "print(json.dumps({'dir': numba.config.CACHE_DIR, 'digest': j.source_digest(),"
             " 'root': str(j.cache_root())}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
    env["COURSEKIT_CACHE_DIR"] = str(tmp_path / "ck")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["dir"] == str(Path(info["root"]) / "numba" / info["digest"])
    assert info["root"].startswith(str(tmp_path / "ck"))
    # a user's (or the grader's) NUMBA_CACHE_DIR is kept as it is
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1])["dir"] == str(tmp_path / "mine")
    # the digest sees a change in any module, e.g. one that kernels only inline
    copy = tmp_path / "pkg"
    shutil.copytree(Path(ck.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_digest(copy)
    assert source_digest(copy) == before  # deterministic
    lif_step = copy / "networks" / "_lif.py"
    lif_step.write_text(lif_step.read_text() + "\n# an edit\n")
    assert source_digest(copy) != before


def test_threads_writing_the_same_generated_module_do_not_collide(tmp_path, monkeypatch):
    """The grader computes references in a thread pool: threads of one process may write one kernel file
    at once (each must have a temporary file of its own; a name made of the process id was shared)."""
    import threading

    from coursekit import _jit
    from coursekit.solvers import _codegen

    monkeypatch.setattr(_jit, "_CACHE_ROOT", tmp_path)
    errors, barrier = [], threading.Barrier(8)

    def write(i):
        try:
            barrier.wait()
            for k in range(20):
                # a new content each time, so every call writes (and renames) the file
                mod = _codegen.load_generated("thread_race", f"VALUE = {i * 100 + k}\n")
                assert isinstance(mod.VALUE, int)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert (tmp_path / "kernels" / "thread_race.py").read_text().startswith("VALUE = ")
    assert not list((tmp_path / "kernels").glob("*.tmp")), "no temporary file is left behind"
    assert (tmp_path / "kernels" / "thread_race.py").stat().st_mode & 0o777 == 0o644
