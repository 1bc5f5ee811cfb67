"""A network run: the time loop in chunks around the compiled kernel.

:func:`run` advances the network in chunks of at most 100 ms of simulated
time (so a progress line can appear), calling the generated module's
``run_network`` (:mod:`._codegen`) with the built network's records
(:func:`._records.kernel_records`) and one :class:`._records.Chunk` per call,
and gathers spikes,
spike counts and monitor samples into a :class:`NetworkResult`.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from .. import _jit
from ._build import build
from ._monitors import NetworkResult
from ._records import chunk_record, kernel_records, samples


def run(net, duration: float, progress: bool | None = None) -> NetworkResult:
    """Simulate ``duration`` ms (continuing from the current state).

    ``progress``: print a progress line to stderr; by default it appears
    when the run takes longer than 3 s of wall time.
    """
    if not (isinstance(duration, (int, float)) and math.isfinite(duration) and duration > 0):
        raise ValueError(f"duration must be > 0 ms, got {duration!r}")
    nsteps = int(round(duration / net.dt))
    if abs(nsteps * net.dt - duration) > 1e-9 * max(1.0, duration):
        raise ValueError(f"duration ({duration:g} ms) must be a multiple of dt ({net.dt:g} ms)")
    if net._built is None:
        build(net)
    b = net._built
    mod = kernels(net)
    if not net._rng_seeded:
        seed_numba(net._next_seed())
        net._rng_seeded = True
    npop = len(net.populations)
    records = kernel_records(b)
    counts = []
    spk_step = np.empty(1024, np.int64)
    spk_idx = np.empty(1024, np.int64)
    spk_frac = np.empty(1024)
    nspk = 0
    t0 = net.t
    k0 = net._k
    wall0 = time.perf_counter()
    chunk = max(1, min(nsteps, int(round(100.0 / net.dt))))
    done = 0
    recorded = {m: [] for m in range(len(net._rec))}
    shown = False
    while done < nsteps:
        n = min(chunk, nsteps - done)
        out = chunk_record(n, npop, drive(net, k0 + done, n), net._rec, done)
        with _jit.first_call_notice(mod.run_network, "the network kernels for this set of neuron models, methods "
                                    "and synapse channels"):
            spk_step, spk_idx, spk_frac, nspk = mod.run_network(n, k0 + done, net.dt, *records, out,
                                                                spk_step, spk_idx, spk_frac, nspk)
        counts.append(out.counts)
        o = 0
        for m, r in enumerate(net._rec):
            recorded[m].append(out.R[:samples(done, n, r[2]), o:o + r[3].size])
            o += r[3].size
        done += n
        elapsed = time.perf_counter() - wall0
        if progress or (progress is None and elapsed > 3.0 and done < nsteps):
            eta = elapsed / done * (nsteps - done)
            print(f"\rcoursekit network: {done * net.dt:9.1f} / {nsteps * net.dt:g} ms "
                  f"({100 * done / nsteps:5.1f} %), {elapsed:6.1f} s elapsed, ~{eta:5.1f} s left",
                  end="", file=sys.stderr, flush=True)
            shown = True
    if shown:
        print(file=sys.stderr)
    net._k = k0 + nsteps
    net.t = net._k * net.dt
    states = {}
    for m, (who, var, every, flat, _) in enumerate(net._rec):
        # samples after steps every, 2 every, ... of this run
        t = t0 + net.dt * np.arange(every, nsteps + 1, every)
        states[(who.name, var)] = (t, np.concatenate(recorded[m], axis=0))
    counts = np.concatenate(counts, axis=0) if len(counts) > 1 else counts[0]
    return NetworkResult(net, t0, spk_step[:nspk].copy(), spk_idx[:nspk].copy(), counts, states)


def drive(net, k, n):
    """``(n, npop)`` drive currents (pA) of steps k .. k + n - 1: each population's ``drive(t)``."""
    npop = len(net.populations)
    drive = np.zeros((n, npop))
    for q, p in enumerate(net.populations):
        if p.drive is not None:
            t = (k + np.arange(n)) * net.dt
            f = p.drive
            vals = f.sample(t) if hasattr(f, "sample") else np.asarray(f(t), dtype=np.float64)
            drive[:, q] = np.broadcast_to(vals, (n,))
    return drive


def kernels(net):
    """The kernel module for the network's variants, STP models and channel layout:
    generated and compiled, or the template itself as plain Python with the JIT off."""
    from ._codegen import network_module, python_kernels

    delayed = net._built["ch_delayed"]
    layout = (tuple((int(c[0]), c[3] is not None, bool(dly)) for c, dly in zip(net._channels, delayed)),
              bool(net._kchannels))
    if not _jit.JIT_ENABLED:
        return python_kernels(net._variants, net._stp_modules, layout)
    if _jit.jit_active():
        return network_module(net._variants, net._stp_modules, layout)
    raise RuntimeError("the network engine needs compiled kernels; set_jit(True)")  # pragma: no cover


@_jit.njit
def _seed_numba_kernel(seed):
    np.random.seed(seed)


def seed_numba(seed: int):
    """Seed the random generator the kernels draw Poisson spikes from."""
    if _jit.JIT_ENABLED:
        _seed_numba_kernel(seed)
    else:
        np.random.seed(seed)
