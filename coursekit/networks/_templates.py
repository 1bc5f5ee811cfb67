"""Network kernels, written once and generic over a neuron model's functions.

``step_population`` advances one population of model M by one step, calling
M's own ``rhs``/``event``/``reset`` per neuron; ``run_network`` is the time loop
(synaptic delivery, populations, channel decay, event-driven spike propagation,
plasticity, monitors).  The built network reaches it as named records
(:mod:`._records`).

This file is plain Python and runs as it stands with the JIT off
(:func:`coursekit.networks._codegen.python_kernels` binds ``dispatch_step`` and
``dispatch_on_spike`` to the network's models).  Compiled,
:mod:`coursekit.networks._codegen` writes a module per set of neuron models in
which (1) each (model, method) pair gets a copy ``step_population_<i>`` with
the model's functions as globals (inline-always numpy-error-model twins, see
:func:`coursekit._jit.numpy_twin`), its leading arguments ``method, d,
n_params, vidx, hold, has_kinetic`` turned into constants (so dead branches
fold and the scratch arrays have literal sizes) and the loop over the
synaptic channels written out, one block per channel (the layout is part of
the module key, so the neuron loop stays branch-free); (2) ``dispatch_step``
and ``dispatch_on_spike`` become ``if`` chains over the variants and STP
models (``dispatch_step`` compiled like the population kernels, without
reference counting); (3) ``run_network`` is copied unchanged, after the
flags ``HAS_KINETIC`` and ``HAS_STP`` that say which of its
optional parts the network uses (numba drops the branches on a False flag
before typing, so an unused part is not compiled) -- so the kernels are cached
on disk.

Synaptic input enters the membrane equation as the model's input current:
``I = I_ext + sum_c g_c (E_c - V)`` (conductance channels) ``+ sum_c g_c``
(current channels), evaluated as ``isum - gsum * V`` per neuron, so the
model's ``rhs`` stays its one equation.  The phenomenological channels are
advanced inside the neuron loop: the generator writes one block per channel
(its layout is part of the module key), so a step makes no separate pass over
them and the loop stays branch-free.

Kinetic channels (AMPA, GABA_A, NMDA) add ``g_i B(V_i) (E - V)`` with the Mg
block ``B`` of V at the start of the step (1 except NMDA); their state lives
per presynaptic neuron (see :mod:`._presynaptic`).  A projection with
short-term plasticity multiplies each spike's weights by the efficacy that
its model's own ``on_spike`` returns (the model bound into the generated
module like the neuron functions; ``_dispatch_on_spike`` becomes an ``if``
chain over the STP models).

Step k goes from t_k to t_{k+1}: (1) apply the kinetic pulse starts/ends due
at t_k and sum the kinetic inputs; (2)-(3) per population: take each
phenomenological channel's g(t_k) (it holds the spikes of delay 0 arriving at
t_k; a channel with delayed projections adds the ring-buffer slot of step k),
update the neurons with it, detect spikes (at t_{k+1}) and decay the channel
exactly to t_{k+1}; (4) advance the kinetic channels to t_{k+1} (exactly);
(5) plasticity traces decay to t_{k+1}; (6) propagate spikes: weights times
the STP efficacy, with delay 0 straight into the channel (g, or h of a
dual-exponential channel), with delay d into ring-buffer slot k + 1 + d
(kinetic projections queue a pulse for step k + 1 + delay), with ``on_pre``
weight updates; (7) ``on_post`` updates; (8) trace increments; (9) monitors.
A run therefore ends with each channel at its end time, the spikes of delay 0
arriving then included.
"""
import math

import numpy as np

from coursekit.solvers._scratch import prefetch, stack_empty
from coursekit.solvers._expm1 import fma
from coursekit.solvers import euler as _euler, exponential_euler as _exponential_euler, heun as _heun, rk4 as _rk4
from coursekit.solvers._templates import euler_step, exponential_euler_step, heun_step, rk4_step
from coursekit.networks._presynaptic import (KC_COND, KC_DECAY, KC_E, KC_EON, KC_MG, KC_SINF, kinetic_events,
                                             kinetic_push, stp_advance)
from coursekit.plasticity.stdp import on_post, on_pre
from coursekit.synapses.kinetic import mg_block

# method codes: the one registry, coursekit.solvers.METHODS
EULER = _euler.METHOD.code
HEUN = _heun.METHOD.code
RK4 = _rk4.METHOD.code
EXP_EULER = _exponential_euler.METHOD.code

NEURONS = 0
POISSON = 1
GENERATOR = 2

EXPONENTIAL = 0
DUAL = 1
# columns of ShortTerm.rows (one row per projection with short-term plasticity)
STP_MODEL = 0
STP_D = 1
STP_YOFF = 2
STP_LOFF = 3
STP_POWOFF = 4
# The optional parts of run_network.  Here (the template, run as plain Python) every part is on; the
# generated module assigns each flag for its network (_codegen._parts_source), and numba drops a branch
# on a False global before it types the function: a network compiles only the parts it uses.
HAS_KINETIC = True  # kinetic channels (AMPA, GABA_A, NMDA)
HAS_STP = True  # a projection with short-term plasticity



def step_population(rhs, event, reset, method, d, n_params, vidx, hold, has_kinetic,
                    Y, yoff, n, gstart, P, q, t, dt, k, IS, GS, refr_until, spiked, Iext, drive_now,
                    G, H, RING, L, slot, Ntot, ch_kind, ch_cond, ch_delayed, ch_E, ch_decay, ch_rise, ch_kappa):
    """Advance neurons [gstart, gstart + n) by one step, from t = k dt (branch-free body).

    ``rhs, event, reset``: the model's functions; ``method`` (code), ``d``
    (states), ``n_params``, ``vidx`` (index of V), ``hold`` (state held while
    refractory, -1 none), ``has_kinetic`` (read the kinetic input ``IS``/``GS``):
    the population's kernel variant.  ``Y``: all states (this population's
    ``(d, n)`` block at ``yoff``), ``P[q]`` its parameters, ``Iext`` the constant
    and ``drive_now`` the time-varying input (pA).  Channel c's ``G``/``H`` hold
    its value at t_k with the spikes of delay 0 that arrive at t_k; a channel
    with delayed projections (``ch_delayed[c]``) adds its ring-buffer slot
    ``slot`` due now (and clears it).  The neuron sees ``I = isum - gsum V``
    with g(t_k); then the channel decays exactly to t_{k+1} (``ch_decay[c]``,
    ``ch_rise[c]``, ``ch_kappa[c]``), ready for the spikes that arrive there.
    Writes the new states and ``spiked`` (threshold crossed, not refractory:
    the state is reset).
    """
    C = ch_kind.shape[0]
    p = stack_empty(n_params)
    for j in range(n_params):
        p[j] = P[q, j]
    y0 = stack_empty(d)
    y = stack_empty(d)
    yt = stack_empty(d)
    yr = stack_empty(d)
    k1 = stack_empty(d)
    k2 = stack_empty(d)
    k3 = stack_empty(d)
    k4 = stack_empty(d)
    # views indexed by the loop counter only: numba then knows the index is
    # non-negative and emits no wrap-around select, which would block vectorisation
    Yv = Y[yoff:yoff + d * n].reshape((d, n))
    ISv = IS[gstart:gstart + n]
    GSv = GS[gstart:gstart + n]
    Rv = refr_until[gstart:gstart + n]
    Sv = spiked[gstart:gstart + n]
    Iv = Iext[gstart:gstart + n]
    for i in range(n):
        for j in range(d):
            y0[j] = Yv[j, i]
        isum = Iv[i]
        gsum = 0.0
        # g(t_k) (plus the delayed weights arriving now), then its exact decay to t_{k+1}
        for c in range(C):
            o = c * Ntot + gstart + i
            r = (c * L + slot) * Ntot + gstart + i
            if ch_kind[c] == EXPONENTIAL:
                g = G[o]
                if ch_delayed[c]:
                    g += RING[r]
                    RING[r] = 0.0
                G[o] = g * ch_decay[c]
            else:
                g = G[o]
                h = H[o]
                if ch_delayed[c]:
                    h += RING[r]
                    RING[r] = 0.0
                G[o] = fma(g, ch_decay[c], h * ch_kappa[c])
                H[o] = h * ch_rise[c]
            if ch_cond[c]:
                gsum += g
                isum = fma(g, ch_E[c], isum)
            else:
                isum += g
        if has_kinetic:
            isum += ISv[i]
            gsum += GSv[i]
        isum += drive_now
        # the method's one step (coursekit.solvers.<method>.step), the input
        # I = isum - gsum V re-evaluated at each stage's V
        if method == EXP_EULER:
            exponential_euler_step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt)
        elif method == EULER:
            euler_step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt)
        elif method == HEUN:
            heun_step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt)
        else:  # RK4
            rk4_step(rhs, t, dt, y0, y, isum, gsum, vidx, p, d, k1, k2, k3, k4, yt)
        # refractoriness, threshold and reset as selects (no branches)
        refractory = k < Rv[i]
        for j in range(d):
            yr[j] = y[j]
        reset(yr, p)
        if hold >= 0:
            y[hold] = yr[hold] if refractory else y[hold]
        fr = event(t, dt, y0, y, p)
        fire = (fr >= 0.0) & (not refractory)
        for j in range(d):
            Yv[j, i] = yr[j] if fire else y[j]
        Sv[i] = fire


def dispatch_step(variant, *args):
    """``step_population`` with the functions and constants of kernel variant
    ``variant`` (``args``: its arguments after ``has_kinetic``).  Bound per network
    (:func:`._codegen.python_kernels`, or an ``if`` chain in the generated module)."""
    raise RuntimeError("dispatch_step is bound per network by coursekit.networks._codegen")


def dispatch_on_spike(which, y, p):
    """The ``on_spike(y, p)`` of short-term-plasticity model ``which``: updates its
    state ``y`` for a spike and returns the efficacy.  Bound per network like
    :func:`dispatch_step`."""
    raise RuntimeError("dispatch_on_spike is bound per network by coursekit.networks._codegen")


def run_network(nsteps, k0, dt, pops, chans, syn, kin, stp, st, out, spk_step, spk_idx, spk_frac, nspk):
    """Advance the network ``nsteps`` steps from step ``k0`` (see the module docstring
    for the order within a step).

    ``pops, chans, syn, kin, stp, st``: the records of :mod:`._records`
    (:class:`Populations`, :class:`Channels`, :class:`Synapses`, :class:`Kinetic`,
    :class:`ShortTerm`, :class:`State`); ``out``: this call's :class:`Chunk`
    (drive, spike counts, monitors).  ``spk_step, spk_idx, spk_frac``: the spike
    buffers, filled to ``nspk``.  Returns the (possibly grown) spike buffers and
    their fill.
    """
    Ntot = pops.n_total
    npop = pops.model_of.shape[0]
    L = chans.L
    KC = kin.n_dur.shape[0]
    NK = kin.projections.shape[0]
    npro = syn.pre_start.shape[0]
    M = out.rec_flat.shape[0]
    Y = st.Y
    G = st.G
    H = st.H
    RING = st.RING
    IS = st.IS
    GS = st.GS
    KD = st.KD
    KP = st.KP
    KW = st.KW
    TR = st.TR
    STY = st.STY
    STL = st.STL
    step_spk = st.step_spk
    frac = st.frac
    weights = syn.weights
    refr_until = st.refr_until
    spiked = st.spiked
    spiked_words = spiked.view(np.uint64)
    # the record fields the time loop reads at every step, taken once (each field
    # read inside the loop takes and drops a reference count)
    Iext = st.Iext
    indices = syn.indices
    ch_kind = chans.kind
    ch_cond = chans.cond
    ch_delayed = chans.delayed
    ch_E = chans.E
    ch_decay = chans.decay
    ch_rise = chans.rise
    ch_kappa = chans.kappa
    stp_mon = np.empty(st.stp_tmp.shape[0])
    for kk in range(nsteps):
        k = k0 + kk
        t = k * dt
        slot = k % L
        # (1) the phenomenological channels hold g(t_k) with the spikes of delay 0
        # arriving at t_k; the delayed ones wait in ring-buffer slot k % L; each
        # population's neuron loop adds that slot, uses g(t_k) and decays g to
        # t_{k+1} (see step_population)
        if HAS_KINETIC:
            if KC > 0:
                for i in range(Ntot):
                    IS[i] = 0.0
                    GS[i] = 0.0
            # kinetic channels: pulse starts and ends due at t_k, then g B(V) with V(t_k)
            for r in range(NK):
                pr = kin.projections[r]
                c = syn.kinetic[pr]
                kinetic_events(k, dt, kin.n_dur[c], kin.f[c], kin.koff[pr], kin.qoff[pr], kin.qcap[pr],
                               st.QP[3 * pr:3 * pr + 3], st.QJ, st.QA, st.KS, st.KT, st.KE, syn.ptr_off[pr],
                               syn.syn_off[pr], syn.indptr, indices, weights,
                               KD[c * Ntot:(c + 1) * Ntot], KP[c * Ntot:(c + 1) * Ntot], KW[c * Ntot:(c + 1) * Ntot])
            for c in range(KC):
                Dc = KD[c * Ntot:(c + 1) * Ntot]
                Pc = KP[c * Ntot:(c + 1) * Ntot]
                if kin.f[c, KC_COND] > 0.0:
                    E = kin.f[c, KC_E]
                    mg = kin.f[c, KC_MG]
                    for i in range(Ntot):
                        gk = Dc[i] + Pc[i]
                        if mg >= 0.0 and kin.vflat[i] >= 0 and gk != 0.0:
                            gk *= mg_block(Y[kin.vflat[i]], mg)
                        GS[i] += gk
                        IS[i] += gk * E
                else:
                    for i in range(Ntot):
                        IS[i] += Dc[i] + Pc[i]
        # (3) populations
        ns = 0
        ptr = st.gen_ptr[0]
        for q in range(npop):
            g0 = pops.gstart[q]
            n = pops.size[q]
            kind = pops.kind_of[q]
            if kind == NEURONS:
                dispatch_step(pops.model_of[q], Y, pops.yoff[q], n, g0, pops.P, q, t, dt, k, IS, GS,
                              refr_until, spiked, Iext, out.drive[kk, q], G, H, RING, L, slot, Ntot,
                              ch_kind, ch_cond, ch_delayed, ch_E, ch_decay, ch_rise, ch_kappa)
                nr = pops.nref_of[q]
                # scan the spike flags eight at a time (``spiked`` is padded to
                # whole words): at a few spikes per step most words are zero.  The
                # zero words take the short path of a while loop: written as a for
                # loop with the inner loop's bounds, the compiled scan cost ~4x more
                w0 = g0 // 8
                Sw = spiked_words[w0:(g0 + n + 7) // 8]
                w = 0
                while w < Sw.shape[0]:
                    if Sw[w] == 0:
                        w += 1
                        continue
                    for i in range(max(8 * (w0 + w), g0), min(8 * (w0 + w) + 8, g0 + n)):
                        if spiked[i]:
                            refr_until[i] = k + nr
                            step_spk[ns] = i
                            ns += 1
                    w += 1
            elif kind == POISSON:
                for i in range(n):
                    if np.random.random() < pops.prob[g0 + i]:
                        frac[g0 + i] = 1.0
                        step_spk[ns] = g0 + i
                        ns += 1
            else:  # GENERATOR: spikes given as (step, index), sorted by step
                # every generator population scans this step's entries from the
                # same start: the shared pointer moves on only after all of them
                while ptr < pops.gen_step.shape[0] and pops.gen_step[ptr] < k:
                    ptr += 1
                e = ptr
                while e < pops.gen_step.shape[0] and pops.gen_step[e] == k:
                    gi = pops.gen_idx[e]
                    if gi >= g0 and gi < g0 + n:
                        frac[gi] = 1.0
                        step_spk[ns] = gi
                        ns += 1
                    e += 1
        while ptr < pops.gen_step.shape[0] and pops.gen_step[ptr] <= k:
            ptr += 1
        st.gen_ptr[0] = ptr
        # (4) kinetic channels advance to t_{k+1} (the others are advanced at the
        # start of the next step, fused with their delivery)
        if HAS_KINETIC:
            for c in range(KC):
                # decaying part: exp(-beta dt); part in pulse: each s relaxes to s_inf with tau_on
                Dc = KD[c * Ntot:(c + 1) * Ntot]
                Pc = KP[c * Ntot:(c + 1) * Ntot]
                Wc = KW[c * Ntot:(c + 1) * Ntot]
                ed = kin.f[c, KC_DECAY]
                eon = kin.f[c, KC_EON]
                sinf = kin.f[c, KC_SINF]
                for i in range(Ntot):
                    Dc[i] *= ed
                    Pc[i] = sinf * Wc[i] + (Pc[i] - sinf * Wc[i]) * eon
        # record spikes and rates
        if nspk + ns > spk_step.shape[0]:
            cap = 2 * spk_step.shape[0] + ns
            a = np.empty(cap, np.int64)
            b = np.empty(cap, np.int64)
            f = np.empty(cap, np.float64)
            # copied element by element: a slice assignment would compile numba's shape-mismatch
            # error message (its string formatting), seconds of a cold start for a check that cannot fail here
            for s in range(nspk):
                a[s] = spk_step[s]
                b[s] = spk_idx[s]
                f[s] = spk_frac[s]
            spk_step = a
            spk_idx = b
            spk_frac = f
        for s in range(ns):
            gi = step_spk[s]
            spk_step[nspk] = k
            spk_idx[nspk] = gi
            spk_frac[nspk] = frac[gi]
            nspk += 1
        q = 0
        for s in range(ns):
            gi = step_spk[s]
            while gi >= pops.gstart[q] + pops.size[q]:
                q += 1
            out.counts[kk, q] += 1
        # (5) plasticity traces decay to t_{k+1}
        for pr in range(npro):
            if syn.plastic[pr] >= 0:
                dpre = syn.tr_decay_pre[pr]
                dpost = syn.tr_decay_post[pr]
                o = syn.tpre_off[pr]
                for j in range(syn.pre_n[pr]):
                    TR[o + j] *= dpre
                o = syn.tpost_off[pr]
                for j in range(syn.post_n[pr]):
                    TR[o + j] *= dpost
        # (6) event-driven propagation (and on_pre); (6)-(8) only when a neuron fired
        # (a small network's steps mostly have no spike, and a projection's views
        # each take and drop a reference count)
        for pr in range(npro if ns > 0 else 0):
            a0 = syn.pre_start[pr]
            a1 = a0 + syn.pre_n[pr]
            if HAS_KINETIC and syn.kinetic[pr] >= 0:  # kinetic: queue a transmitter pulse for step k + 1 + delay
                qp = st.QP[3 * pr:3 * pr + 3]
                for s in range(ns):
                    j = step_spk[s]
                    if j >= a0 and j < a1:
                        kinetic_push(j - a0, k + 1 + syn.delay[pr], kin.koff[pr], kin.qoff[pr], kin.qcap[pr], qp,
                                     st.QJ, st.QA, st.KA)
                continue
            ch = syn.channel[pr]
            sp = syn.stp[pr]
            pl = syn.plastic[pr]
            po = syn.post_start[pr]
            so = syn.syn_off[pr]
            doff = syn.dly_off[pr]
            # where the weights arriving at t_{k+1+delay} go: delay 0 straight into the
            # channel (g, or h of a dual-exponential channel), longer delays into their
            # ring-buffer slot (one slot for the whole projection when it has one delay)
            Now = (G if ch_kind[ch] == EXPONENTIAL else H)[ch * Ntot:(ch + 1) * Ntot]
            base_h = (ch * L + (k + 1 + syn.delay[pr]) % L) * Ntot
            Rh = Now if syn.delay[pr] == 0 else RING[base_h:base_h + Ntot]
            # this projection's targets and weights, indexed by the CSR row pointers
            # (no slice per spike: each would cost a reference count taken and dropped)
            tg = indices[so:]
            wt = weights[so:]
            uni = syn.uniform[pr]
            for s in range(ns):
                # the row of the spike after next into the cache while this one is delivered
                if s + 2 < ns and step_spk[s + 2] >= a0 and step_spk[s + 2] < a1:
                    r2 = syn.ptr_off[pr] + (step_spk[s + 2] - a0)
                    for e in range(syn.indptr[r2], syn.indptr[r2 + 1], 16):  # 16 uint32 targets per 64 B line
                        prefetch(tg, e)
                    if not uni:
                        for e in range(syn.indptr[r2], syn.indptr[r2 + 1], 8):  # 8 float64 weights per line
                            prefetch(wt, e)
                j = step_spk[s]
                if j < a0 or j >= a1:
                    continue
                row = syn.ptr_off[pr] + (j - a0)
                e0 = syn.indptr[row]
                e1 = syn.indptr[row + 1]
                eff = 1.0
                if HAS_STP and sp >= 0:  # short-term plasticity: state brought to t_{k+1}, then the model's on_spike
                    dd = stp.rows[sp, STP_D]
                    yo = stp.rows[sp, STP_YOFF] + (j - a0) * dd
                    ys = STY[yo:yo + dd]
                    li = stp.rows[sp, STP_LOFF] + (j - a0)
                    stp_advance(ys, dd, k + 1 - STL[li], stp.powers, stp.rows[sp, STP_POWOFF], st.stp_tmp)
                    STL[li] = k + 1
                    eff = dispatch_on_spike(stp.rows[sp, STP_MODEL], ys, stp.params[sp])
                # the synapses and their targets as unsigned indices: the compiled loop
                # then needs no wrap-around test for negative indices (three
                # instructions per event)
                u0 = np.uint64(e0)
                u1 = np.uint64(e1)
                if doff < 0 and pl < 0:
                    if uni:  # one weight: only the targets are read (the same sums)
                        w = syn.w_uniform[pr] if sp < 0 else syn.w_uniform[pr] * eff
                        for e in range(u0, u1):
                            Rh[np.uint32(tg[e])] += w
                    elif sp < 0:
                        for e in range(u0, u1):
                            Rh[np.uint32(tg[e])] += wt[e]
                    else:
                        for e in range(u0, u1):
                            Rh[np.uint32(tg[e])] += wt[e] * eff
                else:
                    for e in range(e0, e1):
                        post = tg[e]
                        d = syn.delay[pr] if doff < 0 else syn.dly[doff + e]
                        if d == 0:
                            Now[post] += wt[e] * eff
                        else:
                            RING[(ch * L + (k + 1 + d) % L) * Ntot + post] += wt[e] * eff
                        if pl >= 0:
                            wt[e] = on_pre(wt[e], TR[syn.tpost_off[pr] + post - po], syn.PL[pl])
        # (7) on_post
        for pr in range(npro if ns > 0 else 0):
            pl = syn.plastic[pr]
            if pl < 0:
                continue
            b0 = syn.post_start[pr]
            b1 = b0 + syn.post_n[pr]
            for s in range(ns):
                i = step_spk[s]
                if i < b0 or i >= b1:
                    continue
                cr = syn.col_off[pr] + (i - b0)
                co = syn.colsyn_off[pr]
                for e in range(syn.colptr[cr], syn.colptr[cr + 1]):
                    sy = syn.colsyn[co + e]
                    weights[sy] = on_post(weights[sy], TR[syn.tpre_off[pr] + syn.colpre[co + e]], syn.PL[pl])
        # (8) trace increments
        for pr in range(npro if ns > 0 else 0):
            if syn.plastic[pr] < 0:
                continue
            a0 = syn.pre_start[pr]
            b0 = syn.post_start[pr]
            for s in range(ns):
                j = step_spk[s]
                if j >= a0 and j < a0 + syn.pre_n[pr]:
                    TR[syn.tpre_off[pr] + j - a0] += 1.0
                if j >= b0 and j < b0 + syn.post_n[pr]:
                    TR[syn.tpost_off[pr] + j - b0] += 1.0
        # (9) state monitors, sampled at t_{k+1} after every rec_every[m]-th step of the run
        done = out.done + kk + 1
        for m in range(M):
            every = out.rec_every[m]
            if done % every != 0:
                continue
            r = done // every - out.done // every - 1
            fm = out.rec_flat[m]
            src = out.rec_src[m]
            if src == 0:  # a state variable
                out.R[r, m] = Y[fm]
            elif src == 1:  # a phenomenological channel at t_{k+1}, with the spikes arriving then
                c = fm // Ntot
                gm = G[fm]
                if ch_kind[c] == EXPONENTIAL and ch_delayed[c]:
                    gm += RING[(c * L + (k + 1) % L) * Ntot + fm - c * Ntot]
                out.R[r, m] = gm
            elif HAS_KINETIC and src == 2:  # a kinetic channel
                out.R[r, m] = KD[fm] + KP[fm]
            elif HAS_STP:  # short-term plasticity: state src - 3 of presynaptic neuron
                # fm & (2**32 - 1) of STP row fm >> 32, brought forward to t_{k+1}
                sp = fm >> 32
                jj = fm & 4294967295
                dd = stp.rows[sp, STP_D]
                yo = stp.rows[sp, STP_YOFF] + jj * dd
                for v in range(dd):
                    stp_mon[v] = STY[yo + v]
                stp_advance(stp_mon, dd, k + 1 - STL[stp.rows[sp, STP_LOFF] + jj], stp.powers,
                            stp.rows[sp, STP_POWOFF], st.stp_tmp)
                out.R[r, m] = stp_mon[src - 3]
    return spk_step, spk_idx, spk_frac, nspk
