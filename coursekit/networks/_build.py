"""The build: a network's populations and projections flattened into the arrays
the kernel (:func:`._templates.run_network`) reads.

:func:`build` fills ``net._built``, a dict of arrays by name, in steps:

* :func:`population_layout` -- neurons of all populations numbered globally
  (``gstart``), the state of every neuron population in one array ``Y``
  (population q's block ``(d, n)`` at ``yoff[q]``), parameters, methods and
  the *variants* (model module, method, sizes) the code generator compiles;
* :func:`population_inputs` -- constant currents, Poisson probabilities, the
  spike sources' (step, index) lists;
* :func:`channel_arrays` -- one channel per distinct synapse dynamics and its
  exact one-step factors; the ring buffer's length L (max delay + 1);
* :func:`projection_arrays` -- every projection's CSR, weights, delays and
  plasticity columns concatenated, with per-projection offsets;
* :func:`kinetic_arrays`, :func:`stp_arrays` -- the per-presynaptic state of
  kinetic synapses and of short-term plasticity.
"""
from __future__ import annotations

import math

import numpy as np

from ..plasticity.stdp import N_PARAMS
from ..solvers import get_method
from . import _presynaptic as K
from . import _templates as T
from ._projections import channel_key, kinetic_key, stp_one_step


def method_code(name) -> int:
    """The kernel code of a network population's method (the one registry,
    :data:`coursekit.solvers.METHODS`, aliases included)."""
    return get_method(name, network=True).code


def population_layout(net) -> dict:
    """Global numbering, states, parameters and kernel variants of the populations."""
    pops = net.populations
    net._gstart = {}
    g = 0
    for p in pops:
        net._gstart[p.name] = g
        g += p.size
    npop = len(pops)
    variants = []
    model_of = np.zeros(npop, np.int64)
    n_params = max([len(p.model.param_array()) for p in pops if p.model is not None] or [1])
    P = np.zeros((npop, n_params))
    yoff = np.zeros(npop, np.int64)
    method_of = np.zeros(npop, np.int64)
    hold_of = np.full(npop, -1, np.int64)
    vidx_of = np.zeros(npop, np.int64)
    nref_of = np.zeros(npop, np.int64)
    ysize = 0
    for q, p in enumerate(pops):
        if p.model is None:
            continue
        m = p.model
        pa = m.param_array()
        hold = m.state_index(m.refractory_variable) if m.refractory_variable is not None else -1
        key = (m.kernel_module or type(m).__module__, method_code(p.method), len(m.state_names), len(pa),
               m.state_index("V"), hold)
        if key not in variants:
            variants.append(key)
        model_of[q] = variants.index(key)
        P[q, :len(pa)] = pa
        yoff[q] = ysize
        ysize += p.state.size
        method_of[q] = method_code(p.method)
        hold_of[q] = hold
        vidx_of[q] = m.state_index("V")
        nref_of[q] = int(round(m.t_ref / net.dt))
    if not variants:
        variants.append(("coursekit.neurons.lif", T.EXP_EULER, 1, 6, 0, 0))
    Y = np.empty(max(ysize, 1))
    for q, p in enumerate(pops):
        if p.model is not None:
            Y[yoff[q]:yoff[q] + p.state.size] = p.state.ravel()
            p.state = Y[yoff[q]:yoff[q] + p.state.size].reshape(p.state.shape)  # a view: always current
    net._variants = tuple(variants)
    return dict(
        Ntot=g, model_of=model_of, kind_of=np.array([p.kind for p in pops], np.int64), yoff=yoff,
        pop_n=np.array([p.size for p in pops], np.int64),
        gstart=np.array([net._gstart[p.name] for p in pops], np.int64), P=P, method_of=method_of,
        hold_of=hold_of, vidx_of=vidx_of, nref_of=nref_of, Y=Y,
    )


def population_inputs(net, Ntot) -> dict:
    """Constant currents ``Iext`` (pA), Poisson spike probabilities per step and
    the spike sources' spikes as (step, global index) sorted by step."""
    Iext = np.zeros(Ntot)
    prob = np.zeros(Ntot)
    gen_steps, gen_idx = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for p in net.populations:
        g0 = net._gstart[p.name]
        if p.kind == T.NEURONS:
            Iext[g0:g0 + p.size] = p.I_ext
        elif p.kind == T.POISSON:
            prob[g0:g0 + p.size] = p.rates * net.dt * 1e-3
        else:
            gen_steps.append(p.gen[0])
            gen_idx.append(p.gen[1] + g0)
    gs = np.concatenate(gen_steps)
    gi = np.concatenate(gen_idx)
    order = np.lexsort((gi, gs))
    return dict(Iext=Iext, prob=prob, gen_step=np.ascontiguousarray(gs[order]),
                gen_idx=np.ascontiguousarray(gi[order]), gen_ptr=np.zeros(1, np.int64))


def channel_factors(channels, dt):
    """Exact one-step factors of each phenomenological channel (kind, tau_d, tau_r, E):
    ``decay = exp(-dt/tau_d)``, ``rise = exp(-dt/tau_r)`` and ``kappa``, the gain of
    ``s`` over one step per unit of the rise variable ``h`` (0 for a single exponential)."""
    ch_decay = np.array([math.exp(-dt / c[1]) for c in channels])
    ch_rise = np.array([math.exp(-dt / c[2]) for c in channels])
    kap = []
    for c in channels:
        td, tr = c[1], c[2]
        if c[0] == T.EXPONENTIAL:
            kap.append(0.0)
        elif td == tr:  # alpha: s(dt) gains h0 * dt * exp(-dt/tau)
            kap.append(dt * math.exp(-dt / td))
        else:  # ds/dt = -s/td + h, h = h0 exp(-t/tr)
            kap.append((math.exp(-dt / tr) - math.exp(-dt / td)) / (1.0 / td - 1.0 / tr))
    return ch_decay, ch_rise, np.array(kap)


def channel_arrays(net, Ntot) -> dict:
    """The channels (one per distinct synapse dynamics), each projection's channel,
    and the channel state and ring buffer (L = longest delay + 1 slots)."""
    channels, kchannels, pr_ch = [], [], []
    pr_kin = np.full(len(net.projections), -1, np.int64)
    for r, proj in enumerate(net.projections):
        if proj.kinetic:
            key = kinetic_key(proj.synapse)
            if key not in kchannels:
                kchannels.append(key)
            pr_kin[r] = kchannels.index(key)
            pr_ch.append(-1)
            continue
        key = channel_key(proj.synapse)
        if key not in channels:
            channels.append(key)
        pr_ch.append(channels.index(key))
    C = len(channels)
    ch_decay, ch_rise, ch_kappa = channel_factors(channels, net.dt)
    # spikes of delay 0 go straight into the channel; a channel some projection
    # reaches with a delay of a step or more ("delayed") also reads a ring buffer
    maxd = 0
    delayed = np.zeros(C, np.bool_)
    for r, proj in enumerate(net.projections):
        if proj.kinetic:
            continue
        dmax = proj.delay_steps if np.isscalar(proj.delay_steps) or isinstance(proj.delay_steps, int) else (
            int(proj.delay_steps.max()) if proj.delay_steps.size else 0)
        maxd = max(maxd, int(dmax))
        delayed[pr_ch[r]] |= int(dmax) > 0
    L = maxd + 1
    ring = C * L * Ntot if maxd > 0 else 0
    net._check_memory(8.0 * (2 * C * Ntot + ring), "the synaptic channels and delay buffers")
    net._channels = channels
    net._kchannels = kchannels
    return dict(
        ch_kind=np.array([c[0] for c in channels], np.int64),
        ch_cond=np.array([c[3] is not None for c in channels], np.bool_), ch_delayed=delayed,
        ch_E=np.array([0.0 if c[3] is None else c[3] for c in channels]),
        ch_decay=ch_decay, ch_rise=ch_rise, ch_kappa=ch_kappa,
        G=np.zeros(max(C * Ntot, 1)), H=np.zeros(max(C * Ntot, 1)), RING=np.zeros(max(ring, 1)), L=L,
        pr_ch=np.array(pr_ch, np.int64), pr_kin=pr_kin,
    )


def projection_arrays(net) -> dict:
    """Every projection's synapses in flat arrays with per-projection offsets
    (``pr_*``), STDP parameters, traces and column (by postsynaptic neuron) index."""
    dt = net.dt
    npro = len(net.projections)
    ints = lambda: np.zeros(npro, np.int64)  # noqa: E731
    pr_pre_start, pr_pre_n, pr_post_start, pr_post_n = ints(), ints(), ints(), ints()
    pr_delay, pr_dly_off, pr_ptr_off, pr_syn_off = ints(), ints(), ints(), ints()
    pr_plastic, pr_tpre_off, pr_tpost_off, pr_col_off, pr_colsyn_off = ints(), ints(), ints(), ints(), ints()
    tr_decay_pre = np.ones(npro)
    tr_decay_post = np.ones(npro)
    indptrs, idxs, ws, dlys, colptrs, colsyns, colpres, PLs = [], [], [], [], [], [], [], []
    ptr_off = syn_off = dly_off = tr_off = col_off = colsyn_off = 0
    for r, proj in enumerate(net.projections):
        pr_pre_start[r] = net._gstart[proj.pre.name]
        pr_pre_n[r] = proj.pre.size
        pr_post_start[r] = net._gstart[proj.post.name]
        pr_post_n[r] = proj.post.size
        pr_ptr_off[r] = ptr_off
        pr_syn_off[r] = syn_off
        indptrs.append(proj.indptr)
        idxs.append(proj.indices + np.int32(pr_post_start[r]))
        ws.append(proj.weights)
        if np.isscalar(proj.delay_steps) or isinstance(proj.delay_steps, int):
            pr_delay[r] = proj.delay_steps
            pr_dly_off[r] = -1
        else:
            pr_dly_off[r] = dly_off
            dlys.append(proj.delay_steps)
            dly_off += proj.delay_steps.size
        if proj.plasticity is not None:
            pl = proj.plasticity
            pr_plastic[r] = len(PLs)
            PLs.append(pl.param_array())
            pr_tpre_off[r] = tr_off
            tr_off += proj.pre.size
            pr_tpost_off[r] = tr_off
            tr_off += proj.post.size
            tr_decay_pre[r] = math.exp(-dt / pl.tau_pre)
            tr_decay_post[r] = math.exp(-dt / pl.tau_post)
            # column index: synapses of each postsynaptic neuron
            rows = np.repeat(np.arange(proj.pre.size), np.diff(proj.indptr))
            order = np.argsort(proj.indices, kind="stable")
            cp = np.zeros(proj.post.size + 1, np.int64)
            np.cumsum(np.bincount(proj.indices, minlength=proj.post.size), out=cp[1:])
            pr_col_off[r] = col_off
            pr_colsyn_off[r] = colsyn_off
            colptrs.append(cp)
            colsyns.append(order.astype(np.int64) + syn_off)
            colpres.append(rows[order].astype(np.int64))
            col_off += cp.size
            colsyn_off += order.size
        else:
            pr_plastic[r] = -1
        ptr_off += proj.indptr.size
        syn_off += proj.indices.size
    cat = lambda xs, dt_: np.ascontiguousarray(np.concatenate(xs).astype(dt_)) if xs else np.zeros(1, dt_)  # noqa: E731
    weights = cat(ws, np.float64)
    # projections keep views into the flat weight array (plasticity updates are visible)
    o = 0
    for proj in net.projections:
        proj.weights = weights[o:o + proj.n_synapses]
        o += proj.n_synapses
    return dict(
        pr_pre_start=pr_pre_start, pr_pre_n=pr_pre_n, pr_post_start=pr_post_start, pr_post_n=pr_post_n,
        pr_delay=pr_delay, pr_dly_off=pr_dly_off, pr_ptr_off=pr_ptr_off,
        pr_syn_off=pr_syn_off, pr_plastic=pr_plastic, pr_tpre_off=pr_tpre_off, pr_tpost_off=pr_tpost_off,
        pr_col_off=pr_col_off, pr_colsyn_off=pr_colsyn_off,
        indptr=cat(indptrs, np.int64), indices=cat(idxs, np.int32), weights=weights, dly=cat(dlys, np.int32),
        colptr=cat(colptrs, np.int64), colsyn=cat(colsyns, np.int64), colpre=cat(colpres, np.int64),
        PL=np.array(PLs) if PLs else np.zeros((1, N_PARAMS)), TR=np.zeros(max(tr_off, 1)),
        tr_decay_pre=tr_decay_pre, tr_decay_post=tr_decay_post,
    )


def kinetic_arrays(net, kchannels, pr_kin, Ntot, yoff, vidx_of) -> dict:
    """Arrays of the kinetic channels and of their projections' per-presynaptic state."""
    dt = net.dt
    KC = len(kchannels)
    kc_f = np.zeros((max(KC, 1), K.KC_NF))
    kc_n = np.zeros(KC, np.int64)
    for c, (_, alpha, beta, T_max, T_dur, E, mg) in enumerate(kchannels):
        rate_on = alpha * T_max + beta
        kc_f[c, K.KC_COND] = 0.0 if E is None else 1.0
        kc_f[c, K.KC_E] = 0.0 if E is None else E
        kc_f[c, K.KC_MG] = -1.0 if mg is None else mg
        kc_f[c, K.KC_DECAY] = math.exp(-beta * dt)
        kc_f[c, K.KC_EON] = math.exp(-rate_on * dt)
        kc_f[c, K.KC_SINF] = alpha * T_max / rate_on
        kc_f[c, K.KC_BETA] = beta
        kc_f[c, K.KC_RATE_ON] = rate_on
        kc_n[c] = int(round(T_dur / dt))
    npro = len(net.projections)
    pr_koff, pr_qoff, pr_qcap = (np.zeros(npro, np.int64) for _ in range(3))
    npre = nq = 0
    for r, proj in enumerate(net.projections):
        if pr_kin[r] < 0:
            continue
        pr_koff[r] = npre
        npre += proj.pre.size
        # pending entries span the delay and the pulse: at most one per neuron and step
        cap = proj.pre.size * (int(proj.delay_steps) + int(kc_n[pr_kin[r]]) + 1)
        pr_qoff[r] = nq
        pr_qcap[r] = cap
        nq += cap
    net._check_memory(8.0 * (3 * KC * Ntot + 4 * npre + 2 * nq), "the kinetic synapses' state and queues")
    vflat = np.full(Ntot, -1, np.int64)
    if KC:
        for q, p in enumerate(net.populations):
            if p.model is not None:
                g0 = net._gstart[p.name]
                vflat[g0:g0 + p.size] = yoff[q] + vidx_of[q] * p.size + np.arange(p.size)
    return dict(
        kc_f=kc_f, kc_n=kc_n, KD=np.zeros(max(KC * Ntot, 1)), KP=np.zeros(max(KC * Ntot, 1)),
        KW=np.zeros(max(KC * Ntot, 1)), vflat=vflat, kin_pr=np.flatnonzero(pr_kin >= 0).astype(np.int64),
        pr_kin=pr_kin, pr_koff=pr_koff, pr_qoff=pr_qoff, pr_qcap=np.maximum(pr_qcap, 1),
        QP=np.zeros(3 * max(npro, 1), np.int64), QJ=np.zeros(max(nq, 1), np.int64),
        QA=np.zeros(max(nq, 1), np.int64), KS=np.zeros(max(npre, 1)), KT=np.zeros(max(npre, 1), np.int64),
        KE=np.full(max(npre, 1), -1, np.int64), KA=np.full(max(npre, 1), -1, np.int64),
    )

def stp_arrays(net) -> dict:
    """Arrays of the short-term-plasticity state (per presynaptic neuron) and propagators."""
    modules, rows, prm, ys, ls, pows = [], [], [], [], [], []
    pr_stp = np.full(len(net.projections), -1, np.int64)
    yo = lo = po = 0
    dmax = 1
    for r, proj in enumerate(net.projections):
        m = proj.stp
        if m is None:
            continue
        name = m.kernel_module or type(m).__module__
        if name not in modules:
            modules.append(name)
        d = len(m.state_names)
        dmax = max(dmax, d)
        n = proj.pre.size
        M1 = stp_one_step(m, net.dt)
        table = [M1]
        for _ in range(62):  # M^(2^m): any gap below 2^63 steps in binary
            table.append(table[-1] @ table[-1])
        pr_stp[r] = len(rows)
        rows.append((modules.index(name), d, yo, lo, po))
        prm.append(m.replace(**{m.amplitude_parameter: 1.0}).param_array())
        ys.append(np.tile(m.initial_state().astype(np.float64), n))
        ls.append(np.zeros(n, np.int64))
        pows.append(np.concatenate([t.ravel() for t in table]))
        proj._stp_step = M1
        proj._stp_views = (yo, lo, n, d)
        yo += n * d
        lo += n
        po += pows[-1].size
    net._check_memory(8.0 * (yo + lo), "the short-term-plasticity state")
    width = max([a.size for a in prm] or [1])
    stp_p = np.zeros((max(len(prm), 1), width))
    for i, a in enumerate(prm):
        stp_p[i, :a.size] = a
    STY = np.ascontiguousarray(np.concatenate(ys)) if ys else np.zeros(1)
    STL = np.ascontiguousarray(np.concatenate(ls)) if ls else np.zeros(1, np.int64)
    for proj in net.projections:
        if proj.stp is not None:  # views: always the engine's present state
            yo_, lo_, n, d = proj._stp_views
            proj._stp_y = STY[yo_:yo_ + n * d].reshape(n, d)
            proj._stp_last = STL[lo_:lo_ + n]
    net._stp_modules = tuple(modules)
    return dict(
        pr_stp=pr_stp, stp_i=np.array(rows, np.int64).reshape(-1, 5) if rows else np.zeros((1, 5), np.int64),
        stp_p=stp_p, STY=STY, STL=STL,
        STPOW=np.ascontiguousarray(np.concatenate(pows)) if pows else np.zeros(1),
        stp_tmp=np.zeros(dmax + 1),
    )


def build(net):
    """Flatten the network into ``net._built`` (a dict of arrays by name, see the
    module docstring) and set up its monitors' records."""
    if not net.populations:
        raise ValueError("the network has no populations")
    from ._monitors import record_of

    b = population_layout(net)
    Ntot = b["Ntot"]
    b.update(population_inputs(net, Ntot))
    b.update(channel_arrays(net, Ntot))
    b.update(projection_arrays(net))
    b.update(IS=np.zeros(Ntot), GS=np.zeros(Ntot), refr_until=np.full(Ntot, -1, np.int64),
             spiked=np.zeros(-(-Ntot // 8) * 8, np.bool_), frac=np.zeros(Ntot), step_spk=np.zeros(Ntot, np.int64))
    b.update(kinetic_arrays(net, net._kchannels, b["pr_kin"], Ntot, b["yoff"], b["vidx_of"]))
    b.update(stp_arrays(net))
    net._built = b
    net._rec = [record_of(net, r) for r in net._monitors]
    net._rng_seeded = False
