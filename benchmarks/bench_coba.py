"""COBA benchmark (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1): coursekit's network engine,
a hand-written fused numba kernel of the same network, and Brian2 (Cython), each on exponential Euler
and on forward Euler, in one run; and a floor measured on this core.

4000 LIF neurons (3200 E, 800 I), p = 0.02, conductance-based exponential synapses, 1 s at
dt = 0.1 ms.  Constants as in Brette et al. (2007) and their Brian script: tau_m = 20 ms (C = 200 pF,
g_L = 10 nS, so R = 0.1 GOhm), V_rest = V_reset = -60 mV, V_th = -50 mV, t_ref = 5 ms, E_E = 0 mV,
E_I = -80 mV, tau_E = 5 ms, tau_I = 10 ms, dg_E = 6 nS, dg_I = 67 nS, initial V uniform in
[-60, -50] mV, g_E = 10 (4 + 1.5 z) nS, g_I = 10 (20 + 12 z) nS (z standard normal).

    python benchmarks/bench_coba.py [--repeats 5] [--no-brian] [--ladder] [--json PATH]

Timing: wall clock of the simulation call alone, best of ``--repeats``; every repeat runs, for each
method, coursekit, the hand kernel and Brian2 one after the other (interleaved, so a change of load
hits all three), on a freshly built network (seed 1 + repeat).  Compilation is excluded: coursekit
and the hand kernels run once on a warm-up network first (numba's on-disk cache), and Brian2's first
run of each method (Cython code generation) is discarded.  Brian2 runs in its own environment
(``_peers.py``) as a server (``peers/brian2_coba.py``) that builds and runs on request; like coursekit
it is timed after a one-step run, and reported as its ``run`` call (``brian2_s``) and as its steps
alone (``brian2_steps_s``: less a second one-step run, the fixed cost of any ``run`` call).

The hand kernels (``_hand_exp``, ``_hand_euler``) are the network written out to be fast: one fused
time loop; the conductances' decay factors precomputed; a neuron loop without branches (selects) that
LLVM vectorises (``fastmath``; exp(z) - 1 by Cody--Waite reduction and a degree-13 polynomial,
branch-free, instead of libm's scalar call; 2**k without a float -> int conversion, which AVX2 does
lane by lane); the refractory end written in the spike scan, for a spiking neuron only (as a select
in the neuron loop it cost 1.6x on an AVX2 core); spikes gathered by scanning the flags eight bytes
at a time; synapses in CSR per source with int32 row pointers and targets (sorted), one weight per source
population (the network has two), the row of the spike after next prefetched while one is
delivered.  They run on coursekit's own connectivity and initial state, so
their spike count must match coursekit's (a chaotic network: the rounding of two implementations
separates the trajectories, not the statistics); the relative difference is printed, the target is
0.5 %.  Each is compiled twice, with fastmath and without (``HAND_VARIANTS``): which one is faster depends
on the core, so both run in every repeat and the faster one is "the hand kernel".

A second hand kernel (``_same``) fuses the same loop with coursekit's own arithmetic per neuron (its
LIF ``rhs`` and its method's ``step``, called, not copied; its channel sums; no fastmath, the secant
slope and the B = 0 guard of exponential Euler, its input array, int64 refractory ends, boolean flags).
Their V and spike trains must equal coursekit's bit for bit (``same_arithmetic_bit_identical``, checked
in every repeat), so coursekit / that kernel is the cost of the engine around the arithmetic, and that
kernel / the fast hand kernel the cost of the arithmetic (the price of one ``rhs`` per model, shared with
``simulate``, and of rounding alike on every core).

The floor (``floor()``): per step max(compute, memory) -- compute = neuron updates x the operations of
the hand kernel's update (counted below, each FMA, multiply, add, compare, select, division and integer
operation as ONE vector-lane operation) / this core's measured FMA rate (twelve independent FMA
chains per element, vectorised, with only the fusing of a * b + c allowed); memory = the bytes a step
must touch (neuron state read and written; per synaptic event a 4-byte target index read and the
target's 8-byte conductance read and written) /
the stream-triad bandwidth measured on a working set of the network's size.  Both rates are measured in
the same run.  Counting a division as one operation, and bytes rather than cache lines, errs low: it is
a lower bound for any code doing these updates at float64, not the cost model of one implementation.

The ladder (``--ladder``, only this): the neuron loop alone, from the hand kernel to coursekit's, one
change per rung -- fastmath off, coursekit's array widths, its exp(z) - 1, its LIF ``rhs`` (slope still
written out), the guard of B = 0, the secant slope (= ``_same``), the engine -- each rung's time and its
ratio to the rung before, interleaved and best of ``--repeats``.  What each of coursekit's choices costs
is then a measurement anyone can repeat, not an argument.

Where the time goes: coursekit and the hand kernel also run the same neurons, channels and initial
conductances without synapses (``coursekit_neurons_s``, ``hand_neurons_s``; the network falls silent as
the conductances decay, so this is the per-neuron update alone), which splits each one's time into its
neuron loop and the delivery of events (``delivery_*_ns_per_event``: the difference per synaptic event of
the connected run).
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from types import FunctionType

import numpy as np
from numba import njit, types
from numba.extending import intrinsic
from llvmlite import ir

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from coursekit.networks.engine import Network  # noqa: E402
from coursekit.solvers._scratch import prefetch, stack_empty  # noqa: E402
from coursekit.solvers._expm1 import expm1v, fma  # noqa: E402
from coursekit.solvers import euler as _euler, exponential_euler as _exponential_euler  # noqa: E402
from coursekit.neurons import lif as _lif_model  # noqa: E402
from coursekit._jit import numpy_twin  # noqa: E402
from coursekit.neurons import LIF  # noqa: E402
from coursekit.synapses import Exponential  # noqa: E402

N_TOTAL, P_CONN, DT, T = 4000, 0.02, 0.1, 1000.0
METHODS = ("exponential_euler", "euler")
# LIF and synapse constants (mV, ms, nS, GOhm)
TAU, R, V_REST, V_TH, V_RESET, T_REF = 20.0, 0.1, -60.0, -50.0, -60.0, 5.0
E_E, E_I, TAU_E, TAU_I, W_E, W_I = 0.0, -80.0, 5.0, 10.0, 6.0, 67.0

# vector-lane operations per neuron update of the hand kernels (the compute term of the floor):
#   both: f = (V_rest - V)/tau + (R/tau)(g_E (E_E - V) + g_I (E_I - V))   6 (fma, sub, sub, mul, fma, fma)
#         refractory compare + select, threshold compare, V select,
#         spike flag store (the refractory end is written in the spike scan) 5
#         two conductance decays                                           2
#   exponential Euler: g_E + g_I, B = -(1 + R g)/tau                       2
#         z = B dt, clamp                                                  2
#         expm1(z): round (fma + floor), Cody-Waite (2 fma), degree-13
#         Horner (mul + 12 fma + mul), 2**k (add, integer add, shift),
#         s p + (s - 1) (sub, fma)                                         23
#         V + expm1(z) f / B (div, fma)                                    2
#   forward Euler: V + dt f (fma)                                          1
OPS_PER_UPDATE = {"exponential_euler": 6 + 5 + 2 + 2 + 2 + 23 + 2, "euler": 6 + 5 + 2 + 1}
# bytes a step must touch per neuron (V, g_E, g_I read and written, 8 B each; refractory end, int32,
# read) and per synaptic event (target index, int32, read; the target's conductance read and written)
BYTES_PER_NEURON_STEP = 3 * 16 + 4
BYTES_PER_EVENT = 4 + 16


# --- coursekit ------------------------------------------------------------------------------------
def build(method: str, seed: int = 1, N: int = N_TOTAL, p: float = P_CONN, plasticity=None, stp=None,
          extra=None) -> Network:
    """The benchmark network in coursekit, all neurons on ``method``; ``plasticity`` and ``stp`` map
    (pre, post) population names to an STDP rule or a short-term-plasticity model for that projection;
    ``extra(net)``, if given, adds to the network before its initial conductances are set."""
    n_e = int(round(0.8 * N))
    net = Network(dt=DT, seed=seed)
    lif = LIF(V_rest=V_REST, V_reset=V_RESET, V_th=V_TH, tau=TAU, R=R, t_ref=T_REF)
    net.add_population("E", lif, n_e, method=method, V=(V_REST, V_TH))
    net.add_population("I", lif, N - n_e, method=method, V=(V_REST, V_TH))
    ge = Exponential(tau=TAU_E, E=E_E, g_max=W_E)
    gi = Exponential(tau=TAU_I, E=E_I, g_max=W_I)
    for pre, s in (("E", ge), ("I", gi)):
        for post in ("E", "I"):
            net.connect(pre, post, s, p=p, plasticity=(plasticity or {}).get((pre, post)),
                        stp=(stp or {}).get((pre, post)))
    if extra is not None:
        extra(net)
    rng = np.random.default_rng(seed)
    for post, n in (("E", n_e), ("I", N - n_e)):
        net.set_conductance(post, ge, 10.0 * (1.5 * rng.standard_normal(n) + 4.0))
        net.set_conductance(post, gi, 10.0 * (12.0 * rng.standard_normal(n) + 20.0))
    net._bench_syn = (ge, gi)
    return net


def synaptic_events(net: Network, res) -> int:
    """Spikes x out-degree of the spiking neuron, summed (exact)."""
    start, g = {}, 0
    for pop in net.populations:
        start[pop.name] = g
        g += pop.size
    outdeg = np.zeros(g, np.int64)
    for p in net.projections:
        outdeg[start[p.pre.name]:start[p.pre.name] + p.pre.size] += np.diff(p.indptr)
    return int(sum(outdeg[start[name] + res.spikes(name)[1]].sum() for name in start))


# --- the hand-written kernels -----------------------------------------------------------------------
@intrinsic
def _pow2f(typingctx, kf):
    """2**k for an integer-valued float64 kf = k in [-1022, 1023], by writing the exponent bits; k is
    read off kf + 1.5 * 2**52 (no float -> int conversion, which AVX2 has no vector instruction for)."""
    sig = types.float64(types.float64)

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        f64 = ir.DoubleType()
        shifted = builder.bitcast(builder.fadd(args[0], ir.Constant(f64, 6755399441055744.0)), i64)
        bits = builder.shl(builder.add(shifted, ir.Constant(i64, 1023)), ir.Constant(i64, 52))
        return builder.bitcast(bits, f64)

    return sig, codegen


@njit(inline="always", fastmath=True, error_model="numpy")
def _expm1(z):
    """exp(z) - 1 for z <= 0, branch-free: Cody--Waite reduction, degree-13 Taylor polynomial."""
    z = max(z, -700.0)
    kf = np.floor(z * 1.4426950408889634 + 0.5)
    r = (z - kf * 6.93147180369123816490e-01) - kf * 1.90821492927058770002e-10
    p = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (
        1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (
            1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r * (1.0 / 6227020800.0)))))))))))))
    s = _pow2f(kf)
    return s * p + (s - 1.0)


@njit(inline="always")
def _gather(flags, spk, refr, until):
    """Indices of the set flags into ``spk``, and ``refr`` of each = ``until`` (the step its refractory
    period ends); ``flags`` (uint8, length a multiple of 8) read 8 at a time."""
    words = flags.view(np.uint64)
    ns = 0
    for w in range(words.shape[0]):
        if words[w] != 0:
            for i in range(8 * w, 8 * w + 8):
                if flags[i]:
                    spk[ns] = i
                    refr[i] = until
                    ns += 1
    return ns


@njit(inline="always")
def _deliver(ns, spk, indptr, indices, ge, gi, n_exc, w_e, w_i):
    for s in range(ns):
        if s + 2 < ns:  # the row of the spike after next into the cache (as coursekit's delivery does)
            j2 = spk[s + 2]
            for e in range(indptr[j2], indptr[j2 + 1], 16):
                prefetch(indices, e)
        j = spk[s]
        exc = j < n_exc
        w = w_e if exc else w_i
        g = ge if exc else gi
        for e in range(indptr[j], indptr[j + 1]):
            g[indices[e]] += w


@njit(fastmath=True, error_model="numpy", cache=True)
def _hand_exp(V, ge, gi, refr, flags, spk, indptr, indices, n_exc, nsteps, c):
    """Exponential Euler (exact for the frozen conductances); returns the spike count."""
    n = V.shape[0]
    itau, rtau, dt, v_rest, v_th, v_reset = c[0], c[1], c[2], c[3], c[4], c[5]
    e_e, e_i, de, di, w_e, w_i = c[6], c[7], c[8], c[9], c[10], c[11]
    n_ref = np.int32(c[12])
    total = 0
    for k in range(nsteps):
        k32 = np.int32(k)
        for i in range(n):
            v = V[i]
            a = ge[i]
            b = gi[i]
            f = (v_rest - v) * itau + rtau * (a * (e_e - v) + b * (e_i - v))
            B = -itau - rtau * (a + b)
            vn = v + _expm1(B * dt) * (f / B)
            ref = k32 < refr[i]
            vn = v_reset if ref else vn
            fire = vn >= v_th
            V[i] = v_reset if fire else vn
            flags[i] = fire
            ge[i] = a * de
            gi[i] = b * di
        ns = _gather(flags, spk, refr, k32 + n_ref)
        _deliver(ns, spk, indptr, indices, ge, gi, n_exc, w_e, w_i)
        total += ns
    return total


@njit(fastmath=True, error_model="numpy", cache=True)
def _hand_euler(V, ge, gi, refr, flags, spk, indptr, indices, n_exc, nsteps, c):
    """Forward Euler for V (the conductances decay exactly, as in coursekit); returns the spike count."""
    n = V.shape[0]
    itau, rtau, dt, v_rest, v_th, v_reset = c[0], c[1], c[2], c[3], c[4], c[5]
    e_e, e_i, de, di, w_e, w_i = c[6], c[7], c[8], c[9], c[10], c[11]
    n_ref = np.int32(c[12])
    total = 0
    for k in range(nsteps):
        k32 = np.int32(k)
        for i in range(n):
            v = V[i]
            a = ge[i]
            b = gi[i]
            f = (v_rest - v) * itau + rtau * (a * (e_e - v) + b * (e_i - v))
            vn = v + dt * f
            ref = k32 < refr[i]
            vn = v_reset if ref else vn
            fire = vn >= v_th
            V[i] = v_reset if fire else vn
            flags[i] = fire
            ge[i] = a * de
            gi[i] = b * di
        ns = _gather(flags, spk, refr, k32 + n_ref)
        _deliver(ns, spk, indptr, indices, ge, gi, n_exc, w_e, w_i)
        total += ns
    return total


#: the hand kernels as written (``fast``: fastmath, which lets LLVM reassociate and contract) and the same
#: source compiled without fastmath (``strict``): which of the two is faster depends on the core and the
#: kernel (on an AVX2 Zen 2 core fastmath won on both methods, 170 vs 212 ms and 47.8 vs 50.3 ms, while a
#: variant of the exponential-Euler loop with coursekit's exp(z) - 1 ran 8 % faster without it), so both run
#: and the faster one is the reference ("hand kernel"). The strict twins are not
#: cached on disk: numba's cache key does not include the fastmath flags, so two dispatchers of one
#: function would share an entry.
HAND = {"exponential_euler": _hand_exp, "euler": _hand_euler}
HAND_STRICT = {m: njit(error_model="numpy")(k.py_func) for m, k in HAND.items()}
HAND_VARIANTS = {"fast": HAND, "strict": HAND_STRICT}


@njit(inline="always")
def _deliver_by_projection(ns, spk, indptr, indices, ge, gi, n_exc, w_e, w_i):
    """``_deliver`` in the order coursekit's engine delivers: projection by projection (E -> E, E -> I,
    I -> E, I -> I), each over all of the step's spikes and with its own rows (``indptr``: 2 n + 1 row
    pointers, E -> E's n_exc rows, then E -> I's, I -> E's, I -> I's; targets global), the row of the
    projection's spike after next prefetched.  The engine keeps this order so that the conductance of a
    neuron that several projections reach on one channel sums its inputs in the same order on every run;
    the time it costs against ``_deliver`` (one merged row per source, spike by spike) is what that order
    and layout cost."""
    n = ge.shape[0]
    for pr in range(4):
        exc = pr < 2
        a0 = 0 if exc else n_exc
        a1 = n_exc if exc else n
        base = pr * n_exc if pr < 3 else n + n_exc
        g = ge if exc else gi
        w = w_e if exc else w_i
        for s in range(ns):
            if s + 2 < ns and spk[s + 2] >= a0 and spk[s + 2] < a1:
                r2 = base + spk[s + 2] - a0
                for e in range(indptr[r2], indptr[r2 + 1], 16):
                    prefetch(indices, e)
            j = spk[s]
            if j < a0 or j >= a1:
                continue
            r = base + j - a0
            for e in range(indptr[r], indptr[r + 1]):
                g[indices[e]] += w


def _delivering_by_projection(kernel, **jit):
    """``kernel`` (a hand kernel) with ``_deliver_by_projection`` in place of ``_deliver``: the same
    source, compiled against other globals (not cached on disk: its cache entry would be the original's)."""
    py = kernel.py_func
    return njit(**jit)(FunctionType(py.__code__, dict(py.__globals__, _deliver=_deliver_by_projection),
                                    py.__name__ + "_by_projection"))


#: the hand kernels delivering as coursekit's engine does (``by_projection_inputs``), both builds
HAND_BY_PROJECTION = {"fast": {m: _delivering_by_projection(k, fastmath=True, error_model="numpy")
                               for m, k in HAND.items()},
                      "strict": {m: _delivering_by_projection(k, error_model="numpy") for m, k in HAND.items()}}


# --- the hand kernel doing coursekit's arithmetic ----------------------------------------------------
# The same fused time loop, spike scan and delivery as the hand kernels above, with the neuron update as
# coursekit's kernels compute it (coursekit.neurons.lif.rhs and coursekit.solvers.<method>.step
# themselves; the network's channel sums, refractoriness and reset), operation for operation: no fastmath;
# the slope B of exponential Euler by the secant (a second rhs); the select guarding B = 0; an input array
# and a time-varying drive added (both zero here); int64 refractory ends; boolean spike flags.  Its V and
# spike trains must equal coursekit's bit for bit (checked in every repeat), so its time is what this
# arithmetic costs in a fused kernel, and coursekit / this kernel is what the engine itself costs.
#: coursekit's own pieces, as the engine binds them: the model's rhs (inline, numpy error model) and each
#: method's step (``coursekit.solvers.<method>.step``), inlined into the kernel below
_RHS = numpy_twin(_lif_model.rhs)
_STEP = {"exponential_euler": njit(inline="always", error_model="numpy")(_exponential_euler.step),
         "euler": njit(inline="always", error_model="numpy")(_euler.step)}


@njit(error_model="numpy")
def _same(step, V, ge, gi, refr, flags, spk, indptr, indices, n_exc, nsteps, c, Iext, p):
    """The hand kernel's loop with the neuron update of coursekit's network kernel: ``step`` (one of
    ``_STEP``) with the LIF's ``rhs`` and parameters ``p``, the channel sums in the engine's order, its
    input array and drive, int64 refractory ends, boolean flags; returns the spike count."""
    n = V.shape[0]
    dt, v_th, v_reset, e_e, e_i, de, di, w_e, w_i = c[2], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]
    n_ref = np.int64(c[12])
    drive = 0.0
    y0 = stack_empty(1)
    y = stack_empty(1)
    k1 = stack_empty(1)
    k2 = stack_empty(1)
    k3 = stack_empty(1)
    k4 = stack_empty(1)
    yt = stack_empty(1)
    total = 0
    for k in range(nsteps):
        t = k * dt
        for i in range(n):
            y0[0] = V[i]
            isum = Iext[i]
            gsum = 0.0
            g = ge[i]
            ge[i] = g * de
            gsum += g
            isum = fma(g, e_e, isum)
            g = gi[i]
            gi[i] = g * di
            gsum += g
            isum = fma(g, e_i, isum)
            isum += drive
            step(_RHS, t, dt, y0, y, isum, gsum, 0, p, 1, k1, k2, k3, k4, yt)
            refractory = k < refr[i]
            v = v_reset if refractory else y[0]
            fire = (v >= v_th) & (not refractory)
            V[i] = v_reset if fire else v
            flags[i] = fire
        ns = _gather(flags, spk, refr, k + n_ref)
        _deliver(ns, spk, indptr, indices, ge, gi, n_exc, w_e, w_i)
        total += ns
    return total


def run_same(method: str, inp: dict, nsteps: int) -> tuple[float, int, np.ndarray]:
    """(seconds, spikes, final V) of the kernel with coursekit's arithmetic on a copy of ``inp``."""
    a = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inp.items()}
    refr = np.full(a["V"].size, -1, np.int64)
    flags = np.zeros(a["flags"].size, np.bool_)
    c = hand_constants()
    Iext = np.zeros(a["V"].size)
    p = np.array([V_REST, V_RESET, V_TH, TAU, R, T_REF])  # coursekit.neurons.lif's parameter order
    t0 = time.perf_counter()
    ns = _same(_STEP[method], a["V"], a["ge"], a["gi"], refr, flags, a["spk"], a["indptr"], a["indices"],
               a["n_exc"], nsteps, c, Iext, p)
    return time.perf_counter() - t0, int(ns), a["V"]


# --- the ladder: from the hand kernel's neuron loop to coursekit's, one change at a time -----------------
# Each rung is the neuron loop alone (the network's neurons and initial conductances, no synapses) with one
# more of coursekit's choices than the rung before; the last rung is ``_same`` (coursekit's own ``rhs`` and
# ``step``, bit-identical to the engine) and then the engine itself. So the gap between coursekit and the
# hand kernel is split into measured steps, each a reader can rerun (``--ladder``).
def _make_rung(wide: bool, ck_expm1: bool, ck_rhs: bool, guard: bool, euler: bool = False):
    """Exponential Euler's (``euler``: forward Euler's) neuron loop, without fastmath: ``wide``
    coursekit's array widths (an input array and a drive added, int64 refractory ends, boolean flags);
    ``ck_expm1`` coursekit's
    ``expm1v`` for exp(z) - 1; ``ck_rhs`` f by coursekit's LIF ``rhs`` (its input I = isum - gsum V and
    its order of operations) with the slope B written out, B = (-R gsum - 1) / tau; ``guard`` the select
    that guards B = 0. (The next rung, the secant slope, is ``_same``.)"""

    @njit(error_model="numpy")
    def rung(V, ge, gi, refr, flags, spk, nsteps, c, Iext, p):
        n = V.shape[0]
        itau, rtau, dt, v_rest, v_th, v_reset = c[0], c[1], c[2], c[3], c[4], c[5]
        e_e, e_i, de, di = c[6], c[7], c[8], c[9]
        n_ref = np.int64(c[12])
        R = p[4]
        inv_tau = 1.0 / p[3]
        drive = 0.0
        dI = stack_empty(1)
        y0 = stack_empty(1)
        total = 0
        for k in range(nsteps):
            for i in range(n):
                v = V[i]
                a = ge[i]
                b = gi[i]
                ge[i] = a * de
                gi[i] = b * di
                if ck_rhs:
                    isum = Iext[i] if wide else 0.0
                    isum = fma(a, e_e, isum)
                    isum = fma(b, e_i, isum)
                    isum += drive
                    gsum = a + b
                    y0[0] = v
                    _RHS(0.0, y0, fma(-gsum, v, isum), p, dI)
                    f = dI[0]
                    B = fma(R, -gsum, -1.0) * inv_tau
                else:
                    f = (v_rest - v) * itau + rtau * (a * (e_e - v) + b * (e_i - v))
                    B = -itau - rtau * (a + b)
                if euler:
                    vn = v + dt * f
                else:
                    z = B * dt
                    em = expm1v(z) if ck_expm1 else _expm1(z)
                    if guard:
                        phi = dt * (1.0 + 0.5 * z) if abs(z) < 1e-12 else em / B
                    else:
                        phi = em / B
                    vn = fma(phi, f, v) if ck_rhs else v + em * (f / B)
                if wide:
                    ref = k < refr[i]
                else:
                    ref = np.int32(k) < refr[i]
                vn = v_reset if ref else vn
                fire = (vn >= v_th) & (not ref)
                V[i] = v_reset if fire else vn
                flags[i] = fire
            ns = _gather(flags, spk, refr, k + n_ref)
            total += ns
        return total

    return rung


#: (label, method, how the rung runs); "hand:<variant>" and "same" name the kernels above
LADDER = (
    ("hand kernel, fastmath", "exponential_euler", "hand:fast"),
    ("hand kernel, no fastmath", "exponential_euler", "hand:strict"),
    ("+ coursekit's array widths", "exponential_euler", (True, False, False, False)),
    ("+ coursekit's exp(z) - 1 (expm1v)", "exponential_euler", (True, True, False, False)),
    ("+ coursekit's LIF rhs, slope written out", "exponential_euler", (True, True, True, False)),
    ("+ the guard of B = 0", "exponential_euler", (True, True, True, True)),
    ("+ the secant slope (= coursekit's arithmetic)", "exponential_euler", "same"),
    ("coursekit's engine", "exponential_euler", "engine"),
    ("hand kernel, fastmath", "euler", "hand:fast"),
    ("hand kernel, no fastmath", "euler", "hand:strict"),
    ("+ coursekit's array widths", "euler", (True, False, False, False, True)),
    ("+ coursekit's LIF rhs and step (= coursekit's arithmetic)", "euler", "same"),
    ("coursekit's engine", "euler", "engine"),
)
_RUNGS = {}


def run_rung(how, method: str, inp: dict, nsteps: int) -> float:
    """Seconds of one ladder rung on a copy of ``inp`` (its neuron loop alone: ``inp`` without synapses)."""
    if isinstance(how, str) and how.startswith("hand:"):
        return run_hand(method, inp, nsteps, how[5:])[0]
    if how == "same":
        return run_same(method, inp, nsteps)[0]
    if how not in _RUNGS:
        _RUNGS[how] = _make_rung(*how)
    wide = how[0]
    a = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inp.items()}
    n = a["V"].size
    refr = np.full(n, -1, np.int64 if wide else np.int32)
    flags = np.zeros(a["flags"].size, np.bool_ if wide else np.uint8)
    p = np.array([V_REST, V_RESET, V_TH, TAU, R, T_REF])
    t0 = time.perf_counter()
    _RUNGS[how](a["V"], a["ge"], a["gi"], refr, flags, a["spk"], nsteps, hand_constants(), np.zeros(n), p)
    return time.perf_counter() - t0


def ladder(repeats: int, nsteps: int) -> list[dict]:
    """Every rung of ``LADDER``, interleaved repeat by repeat, best of ``repeats``; each with its ratio
    to the rung before and to the faster hand kernel."""
    best = [np.inf] * len(LADDER)
    for r in range(-1, repeats):  # r = -1: compile
        for j, (_, method, how) in enumerate(LADDER):
            net = build(method, seed=1 + max(r, 0), p=0.0)
            inp = hand_inputs(net)
            if how == "engine":
                net.run(DT)
                t0 = time.perf_counter()
                net.run(DT * (nsteps if r >= 0 else 10), progress=False)
                t = time.perf_counter() - t0
            else:
                t = run_rung(how, method, inp, nsteps + 1 if r >= 0 else 10)
            if r >= 0:
                best[j] = min(best[j], t)
    out = []
    for j, (label, method, how) in enumerate(LADDER):
        ref = min(best[i] for i, (_, m, h) in enumerate(LADDER) if m == method and str(h).startswith("hand:"))
        prev = best[j - 1] if j > 0 and LADDER[j - 1][1] == method else best[j]
        out.append(dict(rung=label, method=method, seconds=best[j], over_previous=best[j] / prev,
                        over_hand=best[j] / ref))
    return out


def hand_inputs(net: Network) -> dict:
    """coursekit's connectivity and initial state (read before its first run) for the hand kernels:
    CSR per source over the whole network, int32, targets sorted."""
    start, g = {}, 0
    for pop in net.populations:
        start[pop.name] = g
        g += pop.size
    n = g
    rows, cols = [], []
    for p in net.projections:
        rows.append(np.repeat(np.arange(p.pre.size), np.diff(p.indptr)) + start[p.pre.name])
        cols.append(p.indices.astype(np.int64) + start[p.post.name])
    r, c = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((c, r))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    ge_syn, gi_syn = net._bench_syn
    V = np.concatenate([pop.state[pop.model.state_index("V")] for pop in net.populations])
    ge = np.concatenate([net.conductance(pop.name, ge_syn) for pop in net.populations])
    gi = np.concatenate([net.conductance(pop.name, gi_syn) for pop in net.populations])
    return dict(V=V.astype(np.float64), ge=ge, gi=gi, refr=np.full(n, -1, np.int32),
                flags=np.zeros(-(-n // 8) * 8, np.uint8), spk=np.zeros(n, np.int32),
                indptr=indptr.astype(np.int32), indices=c[order].astype(np.int32),
                n_exc=start["I"])


def by_projection_inputs(net: Network, inp: dict) -> dict:
    """``inp`` with the synapses laid out as coursekit's engine keeps them, for ``HAND_BY_PROJECTION``: one
    CSR per projection (E -> E, E -> I, I -> E, I -> I; rows per source of the projection, targets sorted),
    concatenated, the targets as global indices."""
    start, g = {}, 0
    for pop in net.populations:
        start[pop.name] = g
        g += pop.size
    order = [(p.pre.name, p.post.name) for p in net.projections]
    if order != [("E", "E"), ("E", "I"), ("I", "E"), ("I", "I")]:
        raise ValueError(f"by_projection_inputs expects the projections E->E, E->I, I->E, I->I, got {order}")
    ptrs, cols, off = [np.zeros(1, np.int64)], [], 0
    for p in net.projections:
        ptrs.append(np.asarray(p.indptr[1:], np.int64) + off)
        cols.append(np.asarray(p.indices, np.int64) + start[p.post.name])
        off += cols[-1].size
    return dict(inp, indptr=np.concatenate(ptrs).astype(np.int32), indices=np.concatenate(cols).astype(np.int32))


def neurons_alone(method: str, seed: int, N: int, T: float, inp: dict) -> tuple[float, float]:
    """(coursekit's, the hand kernel's) seconds for ``T`` ms of the network's neurons, channels and initial
    conductances without synapses (both fall silent as the conductances decay): the neuron loops alone.
    ``inp``: the hand kernel's inputs of the connected network (``hand_inputs``), its synapses dropped here."""
    net0 = build(method, seed=seed, N=N, p=0.0)
    net0.run(DT)
    t0 = time.perf_counter()
    net0.run(T, progress=False)
    t_ck = time.perf_counter() - t0
    alone = dict(inp, indptr=np.zeros_like(inp["indptr"]))
    return t_ck, run_hand_best(method, alone, int(round(T / DT)) + 1)[0]


def hand_constants() -> np.ndarray:
    return np.array([1.0 / TAU, R / TAU, DT, V_REST, V_TH, V_RESET, E_E, E_I, math.exp(-DT / TAU_E),
                     math.exp(-DT / TAU_I), W_E, W_I, round(T_REF / DT)])


def run_hand(method: str, inp: dict, nsteps: int, variant: str = "fast", kernels=None) -> tuple[float, int]:
    """(seconds, spikes) of the hand kernel (``variant`` "fast" or "strict" of ``kernels``, by default
    ``HAND_VARIANTS``) on a copy of ``inp``."""
    a = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inp.items()}
    c = hand_constants()
    t0 = time.perf_counter()
    kernel = (kernels or HAND_VARIANTS)[variant][method]
    ns = kernel(a["V"], a["ge"], a["gi"], a["refr"], a["flags"], a["spk"], a["indptr"], a["indices"], a["n_exc"],
                nsteps, c)
    return time.perf_counter() - t0, int(ns)


def run_hand_best(method: str, inp: dict, nsteps: int, kernels=None) -> tuple[float, int, dict]:
    """Both hand-kernel variants (of ``kernels``, by default ``HAND_VARIANTS``), one after the other: (the
    faster one's seconds, its spike count, every variant's (seconds, spikes))."""
    each = {v: run_hand(method, inp, nsteps, v, kernels) for v in (kernels or HAND_VARIANTS)}
    v = min(each, key=lambda x: each[x][0])
    return each[v][0], each[v][1], each


# --- Brian2 -----------------------------------------------------------------------------------------
class Brian2:
    """``peers/brian2_coba.py`` served in the peer environment: one request, one answer."""

    def __init__(self, python: str | None = None):
        if python is None:
            import _peers
            python = str(_peers.peer_python())
        self.proc = subprocess.Popen([python, str(HERE / "peers" / "brian2_coba.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run(self, **req) -> dict:
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"Brian2 failed:\n{self.proc.stderr.read()[-3000:]}")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# --- the floor --------------------------------------------------------------------------------------
#: independent FMA chains per element in ``_fma_chains``: enough to cover the FMA latency of both
#: units (5 cycles x 2 units = 10 vectors in flight on cores that have 2), few enough to stay in registers
CHAINS = 12
#: rounds of the chains per element (few enough that LLVM unrolls them and vectorises the element loop)
ROUNDS = 10


@njit(fastmath={"contract"}, error_model="numpy", cache=True)
def _fma_chains(a, out, x, y):
    """ROUNDS x CHAINS FMAs per element in CHAINS independent chains; the loop over the elements
    vectorises, so each chain is one vector and the FMA units, not their latency, set the pace (with a
    single chain per element LLVM keeps only ~4 vectors in flight: latency-bound on a core whose FMA
    latency is 5 cycles)."""
    for i in range(a.shape[0]):
        v0 = a[i]
        v1, v2, v3, v4, v5 = v0 + 0.01, v0 + 0.02, v0 + 0.03, v0 + 0.04, v0 + 0.05
        v6, v7, v8, v9, v10, v11 = v0 + 0.06, v0 + 0.07, v0 + 0.08, v0 + 0.09, v0 + 0.1, v0 + 0.11
        for _ in range(ROUNDS):
            v0 = v0 * x + y
            v1 = v1 * x + y
            v2 = v2 * x + y
            v3 = v3 * x + y
            v4 = v4 * x + y
            v5 = v5 * x + y
            v6 = v6 * x + y
            v7 = v7 * x + y
            v8 = v8 * x + y
            v9 = v9 * x + y
            v10 = v10 * x + y
            v11 = v11 * x + y
        out[i] = ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)) + ((v8 + v9) + (v10 + v11))


def fma_rate(repeats: int = 40) -> float:
    """Sustained float64 FMAs per second of one core (vector lanes counted), best of ``repeats`` short
    trials (a few ms each: on a shared machine the best one ran undisturbed)."""
    a = np.random.default_rng(0).uniform(0.5, 1.0, 512)
    out = np.empty_like(a)
    _fma_chains(a, out, 0.999, 1e-3)
    best = np.inf
    reps = 100
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(reps):
            _fma_chains(a, out, 0.999, 1e-3)
        best = min(best, time.perf_counter() - t0)
    return CHAINS * ROUNDS * a.size * reps / best


@njit(fastmath=True, error_model="numpy", cache=True)
def _triad(a, b, c, s, reps):
    for _ in range(reps):
        for i in range(a.shape[0]):
            a[i] = b[i] + s * c[i]
        s = -s


def triad_bandwidth(nbytes: float, repeats: int = 15) -> float:
    """Stream-triad bandwidth (bytes/s, 24 B per element: two reads, one write) with three arrays
    totalling ``nbytes`` (at least 48 kB), best of ``repeats``."""
    n = max(int(nbytes / 24), 2048)
    a, b, c = np.zeros(n), np.ones(n), np.ones(n)
    reps = max(1, int(5e7 / (24 * n)))
    _triad(a, b, c, 0.5, 1)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        _triad(a, b, c, 0.5, reps)
        best = min(best, time.perf_counter() - t0)
    return 24 * n * reps / best


def floor(method: str, n_neurons: int, nsteps: int, events: int, footprint: float, F: float, BW: float) -> dict:
    """The per-step lower bound max(compute, memory), times the number of steps (events averaged
    over the steps, which can only lower the sum)."""
    compute = n_neurons * OPS_PER_UPDATE[method] / F
    memory = (n_neurons * BYTES_PER_NEURON_STEP + events / nsteps * BYTES_PER_EVENT) / BW
    return dict(floor_s=nsteps * max(compute, memory), floor_compute_s=nsteps * compute,
                floor_memory_s=nsteps * memory)


def footprint_bytes(inp: dict) -> float:
    """Bytes of the state and synapse arrays the hand kernel works on."""
    return float(sum(v.nbytes for v in inp.values() if isinstance(v, np.ndarray)))


# --- main -------------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--ladder", action="store_true",
                    help="only the ladder from the hand kernel's neuron loop to coursekit's (no Brian2)")
    ap.add_argument("--brian-python", default=None, help="interpreter with brian2 installed")
    ap.add_argument("--json", default=str(HERE / "results" / "bench_coba.json"),
                    help="write the results here ('' for nowhere)")
    args = ap.parse_args(argv)
    nsteps = int(round(T / DT))
    if args.ladder:
        rows = ladder(args.repeats, nsteps)
        print(f"the neuron loop alone, 1 s of {N_TOTAL} neurons, best of {args.repeats}:")
        for row in rows:
            print(f"  {row['method']:>17}  {row['rung']:<58} {row['seconds'] * 1e3:7.1f} ms"
                  f"  x{row['over_previous']:.2f} on the rung before, x{row['over_hand']:.2f} the hand kernel")
        if args.json:
            Path(args.json).parent.mkdir(exist_ok=True)
            Path(args.json).with_name("bench_coba_ladder.json").write_text(json.dumps(rows, indent=1))
        return rows

    brian = None if args.no_brian else Brian2(args.brian_python)
    for method in METHODS:  # compile / load every kernel once
        warm = build(method, seed=99)
        inp = hand_inputs(warm)
        warm.run(10.0)
        run_hand_best(method, inp, 100)
        run_same(method, inp, 100)
        if brian is not None:
            brian.run(method=method, N=N_TOTAL, p=P_CONN, T=10.0, seed=99)
    best = {m: dict(ck=np.inf, hand=np.inf, hand_fast=np.inf, hand_strict=np.inf, same=np.inf, ck_neurons=np.inf,
                    hand_neurons=np.inf, brian=np.inf,
                    brian_steps=np.inf) for m in METHODS}
    same_identical = {m: True for m in METHODS}
    info = {m: {} for m in METHODS}
    count_diff = {m: [] for m in METHODS}
    for r in range(args.repeats):
        for method in METHODS:
            net = build(method, seed=1 + r)
            inp = hand_inputs(net)
            res0 = net.run(DT)  # one step: channel set-up done
            t0 = time.perf_counter()
            res = net.run(T, progress=False)
            t_ck = time.perf_counter() - t0
            n_ck = sum(int(res0.spike_counts(p).sum() + res.spike_counts(p).sum()) for p in ("E", "I"))
            t_hand, _, each = run_hand_best(method, inp, nsteps + 1)  # the same nsteps + 1 steps
            t_same, n_same, V_same = run_same(method, inp, nsteps + 1)
            V_ck = np.concatenate([pop.state[pop.model.state_index("V")] for pop in net.populations])
            same_identical[method] &= bool(n_same == n_ck and np.array_equal(V_same, V_ck))
            b = best[method]
            b["ck"] = min(b["ck"], t_ck)
            b["hand"] = min(b["hand"], t_hand)
            b["hand_fast"] = min(b["hand_fast"], each["fast"][0])
            b["hand_strict"] = min(b["hand_strict"], each["strict"][0])
            b["same"] = min(b["same"], t_same)
            count_diff[method].extend((n - n_ck) / n_ck for _, n in each.values())
            t_ck0, t_hand0 = neurons_alone(method, 1 + r, N_TOTAL, T, inp)
            b["ck_neurons"] = min(b["ck_neurons"], t_ck0)
            b["hand_neurons"] = min(b["hand_neurons"], t_hand0)
            info[method].update(rate_E_Hz=res.mean_rate("E"), rate_I_Hz=res.mean_rate("I"),
                                events=synaptic_events(net, res), synapses=sum(p.n_synapses for p in net.projections),
                                bytes_per_synapse=net.memory_per_synapse(), footprint=footprint_bytes(inp))
            if brian is not None:
                bb = brian.run(method=method, N=N_TOTAL, p=P_CONN, T=T, seed=1 + r)
                b["brian"] = min(b["brian"], bb["run_s"])
                b["brian_steps"] = min(b["brian_steps"], bb["run_s"] - bb["overhead_s"])
                info[method].update(brian2_rate_E_Hz=bb["rate_E"], brian2_rate_I_Hz=bb["rate_I"],
                                    brian2_bytes_per_synapse=bb["bytes_per_synapse"])
    if brian is not None:
        brian.close()
    F = fma_rate()
    BW = {m: triad_bandwidth(info[m]["footprint"]) for m in METHODS}
    bw_dram = triad_bandwidth(3 * 2 ** 27)
    out = dict(fma_rate_GFMA_s=F / 1e9, bandwidth_dram_GB_s=bw_dram / 1e9, repeats=args.repeats)
    for m in METHODS:
        b, i = best[m], info[m]
        fl = floor(m, N_TOTAL, nsteps, i["events"], i["footprint"], F, BW[m])
        d = dict(coursekit_s=b["ck"], hand_s=b["hand"], coursekit_over_hand=b["ck"] / b["hand"],
                 hand_fastmath_s=b["hand_fast"], hand_strict_s=b["hand_strict"],
                 hand_same_arithmetic_s=b["same"], same_arithmetic_bit_identical=same_identical[m],
                 coursekit_over_hand_same_arithmetic=b["ck"] / b["same"],
                 coursekit_neurons_s=b["ck_neurons"], hand_neurons_s=b["hand_neurons"],
                 neurons_coursekit_over_hand=b["ck_neurons"] / b["hand_neurons"],
                 delivery_coursekit_ns_per_event=(b["ck"] - b["ck_neurons"]) / i["events"] * 1e9,
                 delivery_hand_ns_per_event=(b["hand"] - b["hand_neurons"]) / i["events"] * 1e9,
                 spike_count_diff_max=max(count_diff[m], key=abs), **i, ops_per_update=OPS_PER_UPDATE[m],
                 bandwidth_GB_s=BW[m] / 1e9, **fl, coursekit_over_floor=b["ck"] / fl["floor_s"],
                 hand_over_floor=b["hand"] / fl["floor_s"])
        if brian is not None:
            # Brian2's run call as a user times it, and its steps alone (less the cost of a one-step run)
            d.update(brian2_s=b["brian"], brian2_steps_s=b["brian_steps"],
                     brian2_over_coursekit=b["brian"] / b["ck"], brian2_steps_over_coursekit=b["brian_steps"] / b["ck"],
                     brian2_over_hand=b["brian"] / b["hand"], brian2_over_floor=b["brian"] / fl["floor_s"],
                     brian2_steps_over_floor=b["brian_steps"] / fl["floor_s"])
        out[m] = d
    print(f"fma rate {F / 1e9:.1f} G/s, triad bandwidth {BW[METHODS[0]] / 1e9:.1f} GB/s at the network's "
          f"working set ({info[METHODS[0]]['footprint'] / 1e6:.2f} MB), {bw_dram / 1e9:.1f} GB/s at 400 MB")
    for m in METHODS:
        print(f"\n[{m}]")
        for k, v in out[m].items():
            print(f"{k:>26}: {v:.4g}" if isinstance(v, float) else f"{k:>26}: {v}")
    if args.json:
        Path(args.json).parent.mkdir(exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
