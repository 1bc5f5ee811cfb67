"""Per-presynaptic synaptic state of the network engine: kinetic transmitter
pulses and short-term plasticity (kernels called from ``run_network``).

Kinetic synapses (Destexhe, Mainen & Sejnowski 1994, Eq. 4):
``ds/dt = alpha [T] (1 - s) - beta s`` with a square pulse ``[T] = T_max`` for
``T_dur`` after each (delayed) presynaptic spike.  ``s`` depends only on the
presynaptic spike train, so it is kept once per presynaptic neuron ``j`` and
projection, exactly, as its value ``KS[j]`` at step ``KT[j]`` and the step
``KE[j]`` at which its pulse ends (-1: no pulse).  A postsynaptic neuron ``i``
keeps, per kinetic channel,

    KD_i = sum_{j decaying} w_ij s_j      (decays by exp(-beta dt) per step)
    KP_i = sum_{j in pulse} w_ij s_j      (relaxes to s_inf KW_i, tau_on)
    KW_i = sum_{j in pulse} w_ij

and ``g_i = KD_i + KP_i``.  A pulse start moves ``w_ij s_j`` from ``KD`` to
``KP`` (and ``w_ij`` into ``KW``), a pulse end moves it back: O(out-degree) per
event, O(N_post) per step.  Pending events wait in one FIFO per projection
(time-ordered, because the delay is one number per projection): an entry is
the presynaptic index and its arrival step; a start pointer reads it at the
arrival, an end pointer ``n_dur`` steps later, skipping entries whose pulse a
later spike has prolonged.

Short-term plasticity (a :mod:`coursekit.plasticity` model): ``d`` state values
per presynaptic neuron, brought forward exactly over ``n`` steps with the
2**m powers of the model's augmented one-step propagator (``n`` in binary).
"""
import math

from .._jit import njit

# columns of the per-channel parameter rows (kc_f)
KC_COND, KC_E, KC_MG, KC_DECAY, KC_EON, KC_SINF, KC_BETA, KC_RATE_ON = range(8)
KC_NF = 8
# pointers of a projection's pulse queue (QP[3 pr + ...]): monotone counters
Q_TAIL, Q_START, Q_END = range(3)


@njit
def kinetic_push(j, arrival, o, qo, cap, qp, QJ, QA, KA):
    """Queue a pulse of presynaptic neuron ``j`` (local index) arriving at step ``arrival``."""
    if KA[o + j] == arrival:  # the same neuron twice in one step: one pulse
        return
    if qp[Q_TAIL] - qp[Q_END] >= cap:  # cannot happen with cap = n_pre (delay + n_dur + 1)
        raise RuntimeError("kinetic pulse queue overflow")
    KA[o + j] = arrival
    pos = qo + qp[Q_TAIL] % cap
    QJ[pos] = j
    QA[pos] = arrival
    qp[Q_TAIL] += 1


@njit
def kinetic_events(k, dt, n_dur, f, o, qo, cap, qp, QJ, QA, KS, KT, KE,
                   row0, so, indptr, indices, weights, KD, KP, KW):
    """Apply the pulse starts and ends of one kinetic projection due at step ``k``.

    ``KD``/``KP``/``KW`` are the channel's arrays over all neurons (``indices``
    are global); ``row0`` is the projection's first CSR row, ``so`` its first
    synapse, ``o`` its first presynaptic slot, ``f`` its channel's parameter row.
    """
    beta = f[KC_BETA]
    rate_on = f[KC_RATE_ON]
    s_inf = f[KC_SINF]
    # starts first: a spike arriving as the previous pulse ends continues it
    while qp[Q_START] < qp[Q_TAIL]:
        pos = qo + qp[Q_START] % cap
        a = QA[pos]
        if a > k:
            break
        qp[Q_START] += 1
        j = QJ[pos]
        if KE[o + j] >= 0:  # still in its pulse: the postsynaptic sums are right already
            KE[o + j] = a + n_dur
            continue
        s = KS[o + j] * math.exp(-beta * ((a - KT[o + j]) * dt))
        KS[o + j] = s
        KT[o + j] = a
        KE[o + j] = a + n_dur
        row = row0 + j
        for e in range(indptr[row], indptr[row + 1]):
            i = indices[so + e]
            w = weights[so + e]
            KD[i] -= w * s
            KP[i] += w * s
            KW[i] += w
    while qp[Q_END] < qp[Q_START]:
        pos = qo + qp[Q_END] % cap
        end = QA[pos] + n_dur
        if end > k:
            break
        qp[Q_END] += 1
        j = QJ[pos]
        if KE[o + j] != end:  # prolonged by a later spike
            continue
        s = s_inf + (KS[o + j] - s_inf) * math.exp(-rate_on * ((end - KT[o + j]) * dt))
        KS[o + j] = s
        KT[o + j] = end
        KE[o + j] = -1
        row = row0 + j
        for e in range(indptr[row], indptr[row + 1]):
            i = indices[so + e]
            w = weights[so + e]
            KP[i] -= w * s
            KW[i] -= w
            KD[i] += w * s


@njit
def stp_advance(y, d, n, POW, po, tmp):
    """``y <- M^n y`` for the augmented one-step propagator ``M`` of an STP
    model (``d`` states): ``POW[po + m (d+1)^2 ...]`` holds ``M^(2^m)``."""
    D1 = d + 1
    m = 0
    while n > 0:
        if n & 1:
            base = po + m * D1 * D1
            for i in range(d):
                s = POW[base + i * D1 + d]
                for jj in range(d):
                    s += POW[base + i * D1 + jj] * y[jj]
                tmp[i] = s
            for i in range(d):
                y[i] = tmp[i]
        n >>= 1
        m += 1
