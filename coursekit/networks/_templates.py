"""Network kernels, written once and generic over a neuron model's functions.

``step_population`` advances one population of model M by one step, calling
M's own ``rhs``/``event``/``reset`` per neuron; ``run_network`` is the time loop
(synaptic delivery, populations, channel decay, event-driven spike propagation,
plasticity, monitors).  Like :mod:`coursekit.solvers._templates`, this file is a
template: :mod:`coursekit.networks._codegen` writes a module per set of neuron
models in which the model functions are globals (inline-always numpy-error-model
twins, see :mod:`._fastmath`), the literal sizes ``_D_`` (state variables) and
``_NP_`` (parameters) are filled in, and ``_dispatch_step(...)`` becomes an
``if`` chain over the models -- so the kernels are cached on disk.

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
at t_k and sum the kinetic inputs; (2)-(3) per population: bring each
phenomenological channel to t_k (exact decay over the previous step plus the
ring-buffer slot of step k), update the neurons with g(t_k), detect spikes (at
t_{k+1}); (4) advance the kinetic channels to t_{k+1} (exactly); (5) plasticity traces decay to t_{k+1}; (6) propagate spikes
into slot k + 1 + delay (weights times the STP efficacy; kinetic projections
queue a pulse for step k + 1 + delay), with ``on_pre`` weight updates;
(7) ``on_post`` updates; (8) trace increments; (9) monitors.
"""
import math

import numpy as np

from coursekit.networks._fastmath import stack_empty
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

# columns of stp_i (one row per projection with short-term plasticity)
STP_MODEL = 0
STP_D = 1
STP_YOFF = 2
STP_LOFF = 3
STP_POWOFF = 4



def step_population(rhs, event, reset, Y, yoff, n, gstart, p_in, method, t, dt, k, IS, GS,
                    refr_until, hold, vidx, spiked, frac, Iext, dq, G, H, RING, L, slot, Ntot, cd, cr, ck, cE):
    """Advance neurons [gstart, gstart + n) by one step (branch-free body).

    The phenomenological channels are brought to t_k inside the neuron loop
    (decay by ``cd``/``cr``/``ck``, plus the ring-buffer slot due now): the
    generator writes one block per channel at ``# _CHANNEL_VIEWS_`` and
    ``# _CHANNEL_SUMS_``, so no separate pass over the channels is made.
    ``IS``/``GS`` carry the kinetic channels' input (read only where the network has any).
    """
    p = stack_empty(_NP_)
    for j in range(_NP_):
        p[j] = p_in[j]
    y0 = stack_empty(_D_)
    y = stack_empty(_D_)
    yt = stack_empty(_D_)
    yr = stack_empty(_D_)
    k1 = stack_empty(_D_)
    k2 = stack_empty(_D_)
    k3 = stack_empty(_D_)
    k4 = stack_empty(_D_)
    # views indexed by the loop counter only: numba then knows the index is
    # non-negative and emits no wrap-around select, which would block vectorisation
    Yv = Y[yoff:yoff + _D_ * n].reshape((_D_, n))
    ISv = IS[gstart:gstart + n]
    GSv = GS[gstart:gstart + n]
    Rv = refr_until[gstart:gstart + n]
    Sv = spiked[gstart:gstart + n]
    Iv = Iext[gstart:gstart + n]
    # _CHANNEL_VIEWS_
    for i in range(n):
        for j in range(_D_):
            y0[j] = Yv[j, i]
        isum = Iv[i]
        gsum = 0.0
        # _CHANNEL_SUMS_
        if _EXTRA_:
            isum += ISv[i]
            gsum += GSv[i]
        isum += dq
        # the method's one step (coursekit.solvers.<method>.step), the input
        # I = isum - gsum V re-evaluated at each stage's V
        if method == EXP_EULER:
            exponential_euler_step(rhs, t, dt, y0, y, isum, gsum, _VIDX_, p, _D_, k1, k2, k3, k4, yt)
        elif method == EULER:
            euler_step(rhs, t, dt, y0, y, isum, gsum, _VIDX_, p, _D_, k1, k2, k3, k4, yt)
        elif method == HEUN:
            heun_step(rhs, t, dt, y0, y, isum, gsum, _VIDX_, p, _D_, k1, k2, k3, k4, yt)
        else:  # RK4
            rk4_step(rhs, t, dt, y0, y, isum, gsum, _VIDX_, p, _D_, k1, k2, k3, k4, yt)
        # refractoriness, threshold and reset as selects (no branches)
        refractory = k < Rv[i]
        for j in range(_D_):
            yr[j] = y[j]
        reset(yr, p)
        if _HOLD_ >= 0:
            y[_HOLD_] = yr[_HOLD_] if refractory else y[_HOLD_]
        fr = event(t, dt, y0, y, p)
        fire = (fr >= 0.0) & (not refractory)
        for j in range(_D_):
            Yv[j, i] = yr[j] if fire else y[j]
        Sv[i] = fire


def run_network(nsteps, k0, dt, Ntot, model_of, kind_of, yoff, pop_n, gstart, P, method_of, hold_of,
                vidx_of, nref_of, Y, Iext, drive, prob, gen_step, gen_idx, gen_ptr,
                ch_kind, ch_E, ch_decay, ch_rise, ch_kappa, G, H, RING, L, IS, GS,
                refr_until, spiked, frac,
                pr_pre_start, pr_pre_n, pr_post_start, pr_post_n, pr_ch, pr_delay, pr_dly_off,
                pr_ptr_off, pr_syn_off, pr_plastic, pr_tpre_off, pr_tpost_off, pr_col_off, pr_colsyn_off,
                indptr, indices, weights, dly, colptr, colsyn, colpre, PL, TR, tr_decay_pre, tr_decay_post,
                spk_step, spk_idx, spk_frac, nspk, counts, rec_flat, R, rec_every, step_spk,
                kc_f, kc_n, KD, KP, KW, vflat, kin_pr, pr_kin, pr_koff, pr_qoff, pr_qcap, QP, QJ, QA,
                KS, KT, KE, KA, pr_stp, stp_i, stp_p, STY, STL, STPOW, stp_tmp, rec_src):
    """Advance the network ``nsteps`` steps from step ``k0``; returns the
    (possibly grown) spike buffers and their fill ``nspk``."""
    npop = model_of.shape[0]
    C = ch_kind.shape[0]
    KC = kc_n.shape[0]
    NK = kin_pr.shape[0]
    npro = pr_pre_start.shape[0]
    M = rec_flat.shape[0]
    dec_now = np.empty(C)
    stp_mon = np.empty(stp_tmp.shape[0])
    rise_now = np.empty(C)
    kap_now = np.empty(C)
    for kk in range(nsteps):
        k = k0 + kk
        t = k * dt
        slot = k % L
        # (1) phenomenological channels to t_k: the exact decay over the previous
        # step (not on a run's first step: a run ends with the channels at its
        # end time) plus the ring-buffer slot due now -- applied inside each
        # population's neuron loop (see step_population) with these factors
        for c in range(C):
            dec_now[c] = ch_decay[c] if kk > 0 else 1.0
            rise_now[c] = ch_rise[c] if kk > 0 else 1.0
            kap_now[c] = ch_kappa[c] if kk > 0 else 0.0
        if KC > 0:
            for i in range(Ntot):
                IS[i] = 0.0
                GS[i] = 0.0
        # kinetic channels: pulse starts and ends due at t_k, then g B(V) with V(t_k)
        for r in range(NK):
            pr = kin_pr[r]
            c = pr_kin[pr]
            kinetic_events(k, dt, kc_n[c], kc_f[c], pr_koff[pr], pr_qoff[pr], pr_qcap[pr], QP[3 * pr:3 * pr + 3],
                           QJ, QA, KS, KT, KE, pr_ptr_off[pr], pr_syn_off[pr], indptr, indices, weights,
                           KD[c * Ntot:(c + 1) * Ntot], KP[c * Ntot:(c + 1) * Ntot], KW[c * Ntot:(c + 1) * Ntot])
        for c in range(KC):
            Dc = KD[c * Ntot:(c + 1) * Ntot]
            Pc = KP[c * Ntot:(c + 1) * Ntot]
            if kc_f[c, KC_COND] > 0.0:
                E = kc_f[c, KC_E]
                mg = kc_f[c, KC_MG]
                for i in range(Ntot):
                    gk = Dc[i] + Pc[i]
                    if mg >= 0.0 and vflat[i] >= 0 and gk != 0.0:
                        gk *= mg_block(Y[vflat[i]], mg)
                    GS[i] += gk
                    IS[i] += gk * E
            else:
                for i in range(Ntot):
                    IS[i] += Dc[i] + Pc[i]
        # (3) populations
        ns = 0
        ptr = gen_ptr[0]
        for q in range(npop):
            g0 = gstart[q]
            n = pop_n[q]
            kind = kind_of[q]
            if kind == NEURONS:
                _dispatch_step(model_of[q], Y, yoff[q], n, g0, P[q], method_of[q], t, dt, k, IS, GS,
                               refr_until, hold_of[q], vidx_of[q], spiked, frac, Iext, drive[kk, q], G, H, RING,
                               L, slot, Ntot, dec_now, rise_now, kap_now, ch_E)
                nr = nref_of[q]
                # scan the spike flags eight at a time (``spiked`` is padded to
                # whole words): at a few spikes per step most words are zero
                Sw = spiked.view(np.uint64)
                for w in range(g0 // 8, (g0 + n + 7) // 8):
                    if Sw[w] != 0:
                        for i in range(max(8 * w, g0), min(8 * w + 8, g0 + n)):
                            if spiked[i]:
                                refr_until[i] = k + nr
                                step_spk[ns] = i
                                ns += 1
            elif kind == POISSON:
                for i in range(n):
                    if np.random.random() < prob[g0 + i]:
                        frac[g0 + i] = 1.0
                        step_spk[ns] = g0 + i
                        ns += 1
            else:  # GENERATOR: spikes given as (step, index), sorted by step
                # every generator population scans this step's entries from the
                # same start: the shared pointer moves on only after all of them
                while ptr < gen_step.shape[0] and gen_step[ptr] < k:
                    ptr += 1
                e = ptr
                while e < gen_step.shape[0] and gen_step[e] == k:
                    gi = gen_idx[e]
                    if gi >= g0 and gi < g0 + n:
                        frac[gi] = 1.0
                        step_spk[ns] = gi
                        ns += 1
                    e += 1
        while ptr < gen_step.shape[0] and gen_step[ptr] <= k:
            ptr += 1
        gen_ptr[0] = ptr
        # (4) kinetic channels advance to t_{k+1} (the others are advanced at the
        # start of the next step, fused with their delivery)
        for c in range(KC):
            # decaying part: exp(-beta dt); part in pulse: each s relaxes to s_inf with tau_on
            Dc = KD[c * Ntot:(c + 1) * Ntot]
            Pc = KP[c * Ntot:(c + 1) * Ntot]
            Wc = KW[c * Ntot:(c + 1) * Ntot]
            ed = kc_f[c, KC_DECAY]
            eon = kc_f[c, KC_EON]
            sinf = kc_f[c, KC_SINF]
            for i in range(Ntot):
                Dc[i] *= ed
                Pc[i] = sinf * Wc[i] + (Pc[i] - sinf * Wc[i]) * eon
        # record spikes and rates
        if nspk + ns > spk_step.shape[0]:
            cap = 2 * spk_step.shape[0] + ns
            a = np.empty(cap, np.int64)
            b = np.empty(cap, np.int64)
            f = np.empty(cap, np.float64)
            a[:nspk] = spk_step[:nspk]
            b[:nspk] = spk_idx[:nspk]
            f[:nspk] = spk_frac[:nspk]
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
            while gi >= gstart[q] + pop_n[q]:
                q += 1
            counts[kk, q] += 1
        # (5) plasticity traces decay to t_{k+1}
        for pr in range(npro):
            if pr_plastic[pr] >= 0:
                dpre = tr_decay_pre[pr]
                dpost = tr_decay_post[pr]
                o = pr_tpre_off[pr]
                for j in range(pr_pre_n[pr]):
                    TR[o + j] *= dpre
                o = pr_tpost_off[pr]
                for j in range(pr_post_n[pr]):
                    TR[o + j] *= dpost
        # (6) event-driven propagation (and on_pre)
        for pr in range(npro):
            a0 = pr_pre_start[pr]
            a1 = a0 + pr_pre_n[pr]
            if pr_kin[pr] >= 0:  # kinetic: queue a transmitter pulse for step k + 1 + delay
                qp = QP[3 * pr:3 * pr + 3]
                for s in range(ns):
                    j = step_spk[s]
                    if j >= a0 and j < a1:
                        kinetic_push(j - a0, k + 1 + pr_delay[pr], pr_koff[pr], pr_qoff[pr], pr_qcap[pr], qp,
                                     QJ, QA, KA)
                continue
            ch = pr_ch[pr]
            st = pr_stp[pr]
            pl = pr_plastic[pr]
            po = pr_post_start[pr]
            so = pr_syn_off[pr]
            doff = pr_dly_off[pr]
            # homogeneous delay: one ring slot for the whole projection this step
            base_h = (ch * L + (k + 1 + pr_delay[pr]) % L) * Ntot
            Rh = RING[base_h:base_h + Ntot]
            for s in range(ns):
                j = step_spk[s]
                if j < a0 or j >= a1:
                    continue
                row = pr_ptr_off[pr] + (j - a0)
                e0 = indptr[row]
                e1 = indptr[row + 1]
                tgt = indices[so + e0:so + e1]
                wv = weights[so + e0:so + e1]
                eff = 1.0
                if st >= 0:  # short-term plasticity: state brought to t_{k+1}, then the model's on_spike
                    dd = stp_i[st, STP_D]
                    yo = stp_i[st, STP_YOFF] + (j - a0) * dd
                    ys = STY[yo:yo + dd]
                    li = stp_i[st, STP_LOFF] + (j - a0)
                    stp_advance(ys, dd, k + 1 - STL[li], STPOW, stp_i[st, STP_POWOFF], stp_tmp)
                    STL[li] = k + 1
                    which = stp_i[st, STP_MODEL]
                    eff = _dispatch_on_spike(which, ys, stp_p[st])
                if doff < 0 and pl < 0:
                    if st < 0:
                        for e in range(e1 - e0):
                            Rh[tgt[e]] += wv[e]
                    else:
                        for e in range(e1 - e0):
                            Rh[tgt[e]] += wv[e] * eff
                else:
                    for e in range(e1 - e0):
                        post = tgt[e]
                        d = pr_delay[pr] if doff < 0 else dly[doff + e0 + e]
                        sl = (k + 1 + d) % L
                        RING[(ch * L + sl) * Ntot + post] += wv[e] * eff
                        if pl >= 0:
                            wv[e] = on_pre(wv[e], TR[pr_tpost_off[pr] + post - po], PL[pl])
        # (7) on_post
        for pr in range(npro):
            pl = pr_plastic[pr]
            if pl < 0:
                continue
            b0 = pr_post_start[pr]
            b1 = b0 + pr_post_n[pr]
            for s in range(ns):
                i = step_spk[s]
                if i < b0 or i >= b1:
                    continue
                cr = pr_col_off[pr] + (i - b0)
                co = pr_colsyn_off[pr]
                for e in range(colptr[cr], colptr[cr + 1]):
                    syn = colsyn[co + e]
                    weights[syn] = on_post(weights[syn], TR[pr_tpre_off[pr] + colpre[co + e]], PL[pl])
        # (8) trace increments
        for pr in range(npro):
            if pr_plastic[pr] < 0:
                continue
            a0 = pr_pre_start[pr]
            b0 = pr_post_start[pr]
            for s in range(ns):
                j = step_spk[s]
                if j >= a0 and j < a0 + pr_pre_n[pr]:
                    TR[pr_tpre_off[pr] + j - a0] += 1.0
                if j >= b0 and j < b0 + pr_post_n[pr]:
                    TR[pr_tpost_off[pr] + j - b0] += 1.0
        # (9) state monitors, sampled at t_{k+1}
        if M > 0 and (kk + 1) % rec_every == 0:
            r = (kk + 1) // rec_every - 1
            for m in range(M):
                fm = rec_flat[m]
                src = rec_src[m]
                if src == 0:  # a state variable
                    R[r, m] = Y[fm]
                elif src == 1:  # a phenomenological channel, decayed to t_{k+1} (left limit)
                    c = fm // Ntot
                    if ch_kind[c] == EXPONENTIAL:
                        R[r, m] = G[fm] * ch_decay[c]
                    else:
                        R[r, m] = G[fm] * ch_decay[c] + H[fm] * ch_kappa[c]
                elif src == 2:  # a kinetic channel
                    R[r, m] = KD[fm] + KP[fm]
                else:  # short-term plasticity: state src - 3 of presynaptic neuron
                    # fm & (2**32 - 1) of STP row fm >> 32, brought forward to t_{k+1}
                    st = fm >> 32
                    jj = fm & 4294967295
                    dd = stp_i[st, STP_D]
                    yo = stp_i[st, STP_YOFF] + jj * dd
                    for v in range(dd):
                        stp_mon[v] = STY[yo + v]
                    stp_advance(stp_mon, dd, k + 1 - STL[stp_i[st, STP_LOFF] + jj], STPOW,
                                stp_i[st, STP_POWOFF], stp_tmp)
                    R[r, m] = stp_mon[src - 3]
    # the channels' exact decay over the last step: they end at t_{k0 + nsteps}
    for c in range(C):
        Gc = G[c * Ntot:(c + 1) * Ntot]
        Hc = H[c * Ntot:(c + 1) * Ntot]
        ed = ch_decay[c]
        if ch_kind[c] == EXPONENTIAL:
            for i in range(Ntot):
                Gc[i] *= ed
        else:
            er = ch_rise[c]
            kap = ch_kappa[c]
            for i in range(Ntot):
                Gc[i] = Gc[i] * ed + Hc[i] * kap
                Hc[i] *= er
    return spk_step, spk_idx, spk_frac, nspk
