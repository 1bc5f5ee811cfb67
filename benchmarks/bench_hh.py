"""One Hodgkin--Huxley neuron, 1000 ms at dt = 0.01 ms, RK4: coursekit against peers.

All numbers are measured in this one run on this machine and reported as ratios:

* ``scipy.integrate.solve_ivp(method="RK45")`` on the same right-hand side
  (called through the model's compiled rhs, the fastest way scipy can call it;
  default tolerances, and rtol=1e-6 for a comparable accuracy);
* Brian2 with its default runtime target (Cython), the same equations, RK4,
  dt = 0.01 ms -- the first run (code generation and compilation) is excluded;
* a hand-written numba RK4 loop of the same model with the same output as
  ``simulate``: the four traces at every step and the interpolated spike times
  (upward crossings of 0 mV), with scalar state, no generic dispatch, no
  refractory or NaN checks -- what a student would write.  The ratio
  coursekit / hand loop (both timed alternately in one process, best of each)
  is the cost of everything around the kernel: input sampling, the stability
  check, events, the Result.  Neither computes the time vector (``Result.t`` is
  made on first access; the hand-loop user would write ``dt * np.arange``).

A fresh-process start-up figure is measured too: ``import coursekit`` plus the
first HH simulation, with a warm and with an empty cache.

Run:  python benchmarks/bench_hh.py [--repeat 7] [--no-brian2] [--quick]
(``--quick``: only coursekit against the hand loop, interleaved, and the
spike-time check; no scipy, Brian2 or start-up figures.)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import coursekit as ck
from coursekit._jit import njit
from coursekit.neurons import HodgkinHuxley

DURATION, DT, I_EXT = 1000.0, 0.01, 10.0


def best_of(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


@njit
def _hand_rk4(V, m, h, n, I, dt, nsteps):
    """Scalar HH RK4 loop with the classic parameters and simulate's output.

    Returns the four states at every step, shape (nsteps + 1, 4), and the spike
    times (ms): upward crossings of 0 mV, linearly interpolated inside the step
    as coursekit does.  No reset/refractory logic, no NaN checks, no generic
    dispatch.
    """
    out = np.empty((nsteps + 1, 4))
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = V, m, h, n
    spikes = np.empty(64)
    nspk = 0

    def f(V, m, h, n):
        x = (V + 40.0) / 10.0
        am = x / -math.expm1(-x) if abs(x) > 1e-6 else 1.0 + 0.5 * x
        bm = 4.0 * math.exp(-(V + 65.0) / 18.0)
        ah = 0.07 * math.exp(-(V + 65.0) / 20.0)
        bh = 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
        y = (V + 55.0) / 10.0
        an = 0.1 * (y / -math.expm1(-y) if abs(y) > 1e-6 else 1.0 + 0.5 * y)
        bn = 0.125 * math.exp(-(V + 65.0) / 80.0)
        dV = I - 120.0 * m * m * m * h * (V - 50.0) - 36.0 * n * n * n * n * (V + 77.0) - 0.3 * (V + 54.387)
        return dV, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n

    for k in range(nsteps):
        V_old = V
        a1, b1, c1, d1 = f(V, m, h, n)
        a2, b2, c2, d2 = f(V + 0.5 * dt * a1, m + 0.5 * dt * b1, h + 0.5 * dt * c1, n + 0.5 * dt * d1)
        a3, b3, c3, d3 = f(V + 0.5 * dt * a2, m + 0.5 * dt * b2, h + 0.5 * dt * c2, n + 0.5 * dt * d2)
        a4, b4, c4, d4 = f(V + dt * a3, m + dt * b3, h + dt * c3, n + dt * d3)
        V += dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        m += dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
        h += dt / 6 * (c1 + 2 * c2 + 2 * c3 + c4)
        n += dt / 6 * (d1 + 2 * d2 + 2 * d3 + d4)
        out[k + 1, 0] = V
        out[k + 1, 1] = m
        out[k + 1, 2] = h
        out[k + 1, 3] = n
        if V >= 0.0 and V_old < 0.0:
            if nspk == spikes.shape[0]:
                bigger = np.empty(2 * nspk)
                bigger[:nspk] = spikes
                spikes = bigger
            spikes[nspk] = k * dt + dt * ((0.0 - V_old) / (V - V_old))
            nspk += 1
    return out, spikes[:nspk]


def bench_coursekit(repeat):
    hh = HodgkinHuxley()
    res = ck.simulate(hh, DURATION, dt=DT, I=I_EXT, method="rk4")
    t = best_of(lambda: ck.simulate(hh, DURATION, dt=DT, I=I_EXT, method="rk4"), repeat)
    return t, res.spike_times


def bench_hand(repeat):
    y0 = HodgkinHuxley().initial_state()
    nsteps = int(round(DURATION / DT))
    I = I_EXT
    spikes = _hand_rk4(*y0, I, DT, nsteps)[1]
    return best_of(lambda: _hand_rk4(*y0, I, DT, nsteps), repeat), spikes


def same_output():
    """How far the hand loop's output is from simulate's (it must be the same run)."""
    hh = HodgkinHuxley()
    res = ck.simulate(hh, DURATION, dt=DT, I=I_EXT, method="rk4")
    Y, spikes = _hand_rk4(*hh.initial_state(), I_EXT, DT, int(round(DURATION / DT)))
    if Y.shape != res.y.T.shape or spikes.shape != res.spike_times.shape:
        raise SystemExit(f"the hand loop's output differs in shape: {Y.shape} vs {res.y.T.shape}, "
                         f"{spikes.size} vs {res.spike_times.size} spikes")
    return float(np.max(np.abs(Y - res.y.T))), float(np.max(np.abs(spikes - res.spike_times)))


def reference_spikes():
    """Spike times (ms) from DOP853 at rtol = atol = 1e-12: the accuracy yardstick."""
    from scipy.integrate import solve_ivp

    hh = HodgkinHuxley()
    rhs, p = hh.kernels.rhs, hh.param_array()

    def fun(t, y):
        out = np.empty(4)
        rhs(t, y, I_EXT, p, out)
        return out

    ev = lambda t, y: y[0]  # noqa: E731
    ev.direction = 1
    sol = solve_ivp(fun, (0.0, DURATION), hh.initial_state(), method="DOP853", rtol=1e-12, atol=1e-12, events=ev)
    return sol.t_events[0]


def spike_error(spikes, ref):
    spikes = np.asarray(spikes)
    if spikes.size != ref.size:
        return float("inf")
    return float(np.max(np.abs(spikes - ref)))


def _crossings(t, V):
    up = np.nonzero((V[:-1] < 0) & (V[1:] >= 0))[0]
    return t[up] + (t[up + 1] - t[up]) * (-V[up]) / (V[up + 1] - V[up])


def interleaved_best(repeat):
    """Best times of coursekit's simulate and the hand-written loop (same output), run alternately."""
    hh = HodgkinHuxley()
    y0 = hh.initial_state()
    nsteps = int(round(DURATION / DT))
    runs = [lambda: ck.simulate(hh, DURATION, dt=DT, I=I_EXT, method="rk4"),
            lambda: _hand_rk4(*y0, I_EXT, DT, nsteps)]
    best = [np.inf, np.inf]
    for _ in range(repeat):
        for j, fn in enumerate(runs):
            t0 = time.perf_counter()
            fn()
            best[j] = min(best[j], time.perf_counter() - t0)
    return best[0], best[1]


def bench_scipy(repeat, rtol):
    from scipy.integrate import solve_ivp

    hh = HodgkinHuxley()
    rhs, p = hh.kernels.rhs, hh.param_array()
    y0 = hh.initial_state()

    def fun(t, y):
        out = np.empty(4)
        rhs(t, y, I_EXT, p, out)
        return out

    def run():
        return solve_ivp(fun, (0.0, DURATION), y0, method="RK45", rtol=rtol, atol=1e-6 if rtol >= 1e-3 else 1e-9,
                         t_eval=np.arange(0.0, DURATION + DT / 2, DT))

    sol = run()
    return best_of(run, max(1, repeat // 3)), _crossings(sol.t, sol.y[0])


def bench_brian2(repeat):
    """Brian2's default (Cython) runtime, in the peer environment (see _peers.py)."""
    from _peers import run_peer

    y0 = HodgkinHuxley().initial_state()
    r = run_peer("brian2_hh.py", DURATION, DT, I_EXT, *y0, max(1, repeat // 3))
    return (r["best_s"], r["median_s"]), r["spikes"]


STARTUP = (
    "import time; t0 = time.perf_counter(); import coursekit as ck; "
    "r = ck.simulate(ck.neurons.HodgkinHuxley(), 100.0, I=10.0); "
    "print(time.perf_counter() - t0)"
)


def startup(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COURSEKIT_"))}
    env.update(env_extra)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", STARTUP], env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    return float(out.stdout.strip().splitlines()[-1]), wall


def bench_startup():
    with tempfile.TemporaryDirectory() as d:
        env = {"COURSEKIT_CACHE_DIR": d + "/ck", "NUMBA_CACHE_DIR": d + "/numba"}
        cold = startup(env)
        warm = [startup(env) for _ in range(3)]
    warm_in, warm_wall = min(w[0] for w in warm), min(w[1] for w in warm)
    numba_only = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); import numba; "
                                 "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
    # numba's own floor: import numba, then the first call of a trivial cached
    # function (numba initialises its compiler target on the first call of any
    # dispatcher, cached or not)
    with tempfile.TemporaryDirectory() as d:
        Path(d, "trivial_kernel.py").write_text(
            "from numba import njit\n\n@njit(cache=True)\ndef f(x):\n    return x + 1.0\n")
        probe = ("import time; t = time.perf_counter(); import trivial_kernel; trivial_kernel.f(1.0); "
                 "print(time.perf_counter() - t)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
        env["PYTHONPATH"] = d
        subprocess.run([sys.executable, "-c", probe], env=env, cwd=d, check=True, capture_output=True)
        floor = min(float(subprocess.run([sys.executable, "-c", probe], env=env, cwd=d, check=True,
                                         capture_output=True, text=True).stdout.strip()) for _ in range(3))
    return {"cold_in_process_s": cold[0], "cold_wall_s": cold[1], "warm_in_process_s": warm_in,
            "warm_wall_s": warm_wall, "import_numba_s": float(numba_only.stdout.strip()),
            "numba_floor_s": floor}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--quick", action="store_true", help="coursekit against the hand loop only")
    args = ap.parse_args(argv)

    dY, dspk = same_output()
    if args.quick:
        ck_best, hand_best = interleaved_best(args.repeat * 3)
        print(f"HH, {DURATION:g} ms at dt = {DT} ms, I = {I_EXT} uA/cm^2, RK4")
        print(f"coursekit simulate {1e3 * ck_best:.2f} ms, hand-written loop with the same output "
              f"{1e3 * hand_best:.2f} ms (outputs differ by {dY:.1e} in the states, {dspk:.1e} ms in spike times)")
        print(f"coursekit / hand-written: {ck_best / hand_best:.3f} (target <= 1.2)")
        return {"coursekit_s": ck_best, "hand_s": hand_best, "coursekit_over_hand": ck_best / hand_best}

    (ck_best, ck_med), ck_spikes = bench_coursekit(args.repeat)
    (hand_best, hand_med), hand_spikes = bench_hand(args.repeat)
    # the ratio to the hand-written loop is the tightest target: measure the two
    # interleaved, so that drift in the machine's speed hits both alike
    ck_best, hand_best = interleaved_best(args.repeat * 3)
    ref = reference_spikes()
    (sp_best, _), sp_spikes = bench_scipy(args.repeat, 1e-3)
    (sp6_best, _), sp6_spikes = bench_scipy(args.repeat, 1e-6)
    (sp9_best, _), sp9_spikes = bench_scipy(args.repeat, 1e-9)
    b2_best = b2_spikes = None
    if not args.no_brian2:
        sys.path.insert(0, str(Path(__file__).parent))
        (b2_best, _), b2_spikes = bench_brian2(args.repeat)
    st = bench_startup()

    rows = [
        ("coursekit rk4", ck_best, ck_spikes),
        ("hand-written numba rk4", hand_best, hand_spikes),
        ("solve_ivp RK45 (rtol 1e-3)", sp_best, sp_spikes),
        ("solve_ivp RK45 (rtol 1e-6)", sp6_best, sp6_spikes),
        ("solve_ivp RK45 (rtol 1e-9)", sp9_best, sp9_spikes),
    ]
    if b2_best is not None:
        rows.append(("Brian2 cython (warm)", b2_best, b2_spikes))
    print(f"HH, {DURATION:g} ms at dt = {DT} ms, I = {I_EXT} uA/cm^2")
    print(f"{'implementation':<30} {'time (ms)':>10} {'spikes':>7} {'max spike-time error (ms)':>26} "
          f"{'coursekit speed-up':>19}")
    rows = [(n, t, np.atleast_1d(s) if np.ndim(s) else s) for n, t, s in rows]
    for name, t, s in rows:
        if np.ndim(s):
            count, err = s.size, spike_error(s, ref)
        else:  # Brian2 reports a count only
            count, err = s, float("nan")
        print(f"{name:<30} {1e3 * t:>10.2f} {count:>7} {err:>26.2e} {t / ck_best:>18.2f}x")
    print(f"(reference: DOP853 rtol = atol = 1e-12, {ref.size} spikes)")
    print(f"coursekit / hand-written loop with the same output: {ck_best / hand_best:.3f} (target <= 1.2; the "
          f"outputs differ by {dY:.1e} in the states, {dspk:.1e} ms in spike times)")
    print(f"start-up, fresh process, import + first HH simulation: warm cache {st['warm_in_process_s']:.3f} s "
          f"in process ({st['warm_wall_s']:.3f} s wall incl. interpreter), empty cache "
          f"{st['cold_in_process_s']:.2f} s; import numba alone {st['import_numba_s']:.3f} s; numba's floor "
          f"(import + first call of a trivial cached function) {st['numba_floor_s']:.3f} s")
    result = {"rows": [{"name": n, "seconds": t,
                        "spikes": int(np.size(s)) if np.ndim(s) else s,
                        "max_spike_error_ms": spike_error(s, ref) if np.ndim(s) else None} for n, t, s in rows],
              "coursekit_over_hand": ck_best / hand_best, "startup": st}
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_hh.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
