"""CANN speed: compiled kernel vs a plain numpy FFT implementation of the same equations.

Run from the repository root::

    python benchmarks/bench_cann.py            # N = 512 and 4096, 10 000 steps
    python benchmarks/bench_cann.py --steps 2000 --sizes 256 512

For each N it times (best of --repeat runs, after one warm-up that compiles or
loads the numba cache):

* numpy   -- ``_reference.cann1d_numpy_euler``: numpy rfft/irfft per step;
* fft     -- ``simulate_cann``: numba kernel with its own radix-2 real FFT;
* direct  -- the same numba loop with the O(N^2) circular sum (N <= 1024 only),
             to show why the FFT path is the default.

All variants run the same moving-stimulus protocol from the same state, and
the final states are checked to agree before the ratios are printed, so the
ratios compare equal work measured in one process on one machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from coursekit.networks.attractors import CANN1D, bump_profile, moving_stimulus, simulate_cann  # noqa: E402
from coursekit.networks.attractors import _kernels  # noqa: E402
from coursekit.networks.attractors._reference import cann1d_numpy_euler  # noqa: E402
from coursekit.networks.attractors.cann import _Prepared  # noqa: E402


def _best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def bench(N, steps, repeat, dt=0.05):
    model = CANN1D(N=N)
    U0 = bump_profile(model, 0.0)
    pos = moving_stimulus(steps, dt, 0.0, 0.005)
    amp = np.full(steps, 0.05)

    def run_fft():
        return simulate_cann(model, steps * dt, dt, U0=U0, stim_pos=pos, A=amp, record_every=steps).U[-1]

    def run_numpy():
        return cann1d_numpy_euler(N, model.tau, model.k, model.a, model.J0, U0, np.zeros(N), steps, dt, pos, amp,
                                  model.a)[0]

    p = _Prepared(model, dt, model.a)
    params_direct = p.params.copy()
    params_direct[6] = 0.0

    def run_direct():
        U = U0.copy()
        V = np.zeros(N)
        Ur, _ = _kernels.cann1d_euler(U, V, p.x, params_direct, p.khat, p.kernel_row, p.rev, p.tw, p.tw_real,
                                      pos, amp, np.zeros(N), np.zeros((0, N)), steps, steps)
        return Ur[-1]

    run_fft()  # compile / load cache
    t_fft, U_fft = _best(run_fft, repeat)
    t_np, U_np = _best(run_numpy, repeat)
    scale = np.abs(U_np).max()
    assert np.abs(U_fft - U_np).max() <= 1e-10 * scale, "numba and numpy disagree"
    row = {"N": N, "numpy": t_np, "fft": t_fft}
    if N <= 1024:
        run_direct()
        t_dir, U_dir = _best(run_direct, repeat)
        assert np.abs(U_dir - U_np).max() <= 1e-10 * scale
        row["direct"] = t_dir
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 4096])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"CANN1D forward Euler, {args.steps} steps, best of {args.repeat}; numpy {np.__version__}")
    print(f"{'N':>6} {'numpy [s]':>10} {'numba fft [s]':>14} {'numba direct [s]':>17} {'numpy/fft':>10}"
          f" {'numpy/direct':>13}")
    for N in args.sizes:
        r = bench(N, args.steps, args.repeat)
        d = r.get("direct")
        print(f"{N:>6} {r['numpy']:>10.3f} {r['fft']:>14.3f} {d if d is not None else float('nan'):>17.3f} "
              f"{r['numpy'] / r['fft']:>10.2f} {r['numpy'] / d if d else float('nan'):>13.2f}")


if __name__ == "__main__":
    main()
