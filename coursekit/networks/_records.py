"""The network kernel's inputs, in named records.

``run_network`` (:mod:`._templates`) takes the built network as six records
and one per chunk of steps, all typed namedtuples (numba passes them as
structs; a field is read as ``record.field``).  They are built in one place,
:func:`kernel_records`, from the arrays :mod:`._build` makes (``net._built``),
and :func:`chunk_record` for the per-chunk output; the records hold views, so
the kernel updates the built arrays in place.

Global neuron index: the neurons of all populations numbered in population
order; population q holds ``gstart[q] .. gstart[q] + size[q] - 1``.  Channel
arrays hold channel c's value of neuron i at ``c * n_total + i``.  Units: ms,
mV, nS (pA for current-based channels and weights), pA.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

Populations = namedtuple("Populations", [
    "n_total", "model_of", "kind_of", "yoff", "size", "gstart", "P", "method_of", "hold_of", "vidx_of",
    "nref_of", "prob", "gen_step", "gen_idx"])
Populations.__doc__ = """The populations (q = 0 .. npop - 1).

n_total   : total number of neurons (spike sources included)
model_of  : (npop,) int64, the kernel variant that steps population q (see _codegen)
kind_of   : (npop,) int64, NEURONS, POISSON or GENERATOR
yoff      : (npop,) int64, offset of population q's states in State.Y (a (d, size) block)
size      : (npop,) int64, neurons in population q
gstart    : (npop,) int64, global index of population q's first neuron
P         : (npop, n_params) float64, the model's parameter array of population q
method_of : (npop,) int64, method code (coursekit.solvers.METHODS)
hold_of   : (npop,) int64, state held during the refractory period (-1: none)
vidx_of   : (npop,) int64, index of V among the model's states
nref_of   : (npop,) int64, refractory period in steps
prob      : (n_total,) float64, spike probability per step of Poisson neurons
gen_step  : (n_gen,) int64, spike sources' spikes: step (sorted) ...
gen_idx   : (n_gen,) int64, ... and global neuron index
"""

Channels = namedtuple("Channels", ["kind", "cond", "delayed", "E", "decay", "rise", "kappa", "L"])
Channels.__doc__ = """The phenomenological synaptic channels (c = 0 .. C - 1), one per distinct
synapse dynamics on the network.

kind  : (C,) int64, EXPONENTIAL (g decays with tau) or DUAL (g driven by a rise variable h)
cond  : (C,) bool, conductance-based (input g (E - V)) or current-based (input g)
delayed : (C,) bool, a projection adds to it with a delay of a step or more (through the ring buffer)
E     : (C,) float64, reversal potential (mV; 0 for current-based channels)
decay : (C,) float64, exp(-dt / tau_decay): g's exact decay over one step
rise  : (C,) float64, exp(-dt / tau_rise): h's exact decay over one step
kappa : (C,) float64, what one unit of h adds to g over one step (0 for EXPONENTIAL)
L     : ring-buffer slots per channel (longest delay in steps + 1; the buffer exists only if a
        channel is delayed)
"""

Synapses = namedtuple("Synapses", [
    "pre_start", "pre_n", "post_start", "post_n", "channel", "kinetic", "stp", "delay", "dly_off",
    "ptr_off", "syn_off", "plastic", "tpre_off", "tpost_off", "col_off", "colsyn_off", "indptr", "indices",
    "weights", "dly", "colptr", "colsyn", "colpre", "PL", "tr_decay_pre", "tr_decay_post", "uniform", "w_uniform"])
Synapses.__doc__ = """The projections (pr = 0 .. npro - 1) and their synapses, concatenated.

pre_start, pre_n   : (npro,) int64, global index of the first presynaptic neuron, and their number
post_start, post_n : (npro,) int64, the same for the postsynaptic population
channel     : (npro,) int64, the phenomenological channel it adds to (-1 for kinetic projections)
kinetic     : (npro,) int64, its kinetic channel (-1 for phenomenological projections)
stp         : (npro,) int64, its row of ShortTerm.rows (-1: no short-term plasticity)
delay       : (npro,) int64, delay in steps when one delay serves the projection
dly_off     : (npro,) int64, offset of its per-synapse delays in dly (-1: one delay)
ptr_off     : (npro,) int64, offset of its CSR row pointers in indptr
syn_off     : (npro,) int64, offset of its synapses in indices/weights
plastic     : (npro,) int64, its row of PL (-1: fixed weights)
tpre_off, tpost_off : (npro,) int64, offsets of its pre- and postsynaptic traces in State.TR
col_off, colsyn_off : (npro,) int64, offsets of its column index (colptr; colsyn/colpre)
indptr  : int64, CSR row pointers of every projection (rows = presynaptic neurons)
indices : int32, global index of each synapse's target (sorted within a row)
weights : float64, each synapse's weight (nS or pA; changed in place by STDP)
dly     : int32, per-synapse delays (steps) of projections with a delay array
colptr, colsyn, colpre : int64, the synapses of each postsynaptic neuron (STDP's on_post):
          colsyn[colptr[i] .. colptr[i + 1]] index weights, colpre the presynaptic neuron
PL      : (n_plastic, n) float64, STDP parameter arrays (coursekit.plasticity.stdp)
tr_decay_pre, tr_decay_post : (npro,) float64, exp(-dt / tau) of the STDP traces
uniform     : (npro,) bool, every synapse of the projection has the same weight (and no STDP) ...
w_uniform   : (npro,) float64, ... that weight: delivery adds it without reading ``weights``
              (one weight per projection, as in COBA or Brunel's network: a spike reads its
              targets, 4 bytes per synapse, instead of 12)
"""

Kinetic = namedtuple("Kinetic", ["f", "n_dur", "projections", "koff", "qoff", "qcap", "vflat"])
Kinetic.__doc__ = """The kinetic channels (AMPA, GABA_A, NMDA; c = 0 .. KC - 1) and projections
(see coursekit.networks._presynaptic for the scheme).

f           : (KC, KC_NF) float64, each channel's constants (columns KC_COND, KC_E, KC_MG, KC_DECAY,
              KC_EON, KC_SINF, KC_BETA, KC_RATE_ON of _presynaptic)
n_dur       : (KC,) int64, transmitter pulse length in steps
projections : int64, the kinetic projections' indices
koff        : (npro,) int64, offset of a kinetic projection's presynaptic state (State.KS/KT/KE/KA)
qoff, qcap  : (npro,) int64, offset and capacity of its pulse queue (State.QJ/QA)
vflat       : (n_total,) int64, index of each neuron's V in State.Y (-1: a spike source)
"""

ShortTerm = namedtuple("ShortTerm", ["rows", "params", "powers"])
ShortTerm.__doc__ = """Short-term plasticity (one row per projection with STP).

rows   : (n_stp, 5) int64, columns STP_MODEL (which bound on_spike), STP_D (states per neuron),
         STP_YOFF (offset in State.STY), STP_LOFF (offset in State.STL), STP_POWOFF (in powers)
params : (n_stp, n) float64, the model's parameters with its amplitude set to 1
powers : float64, M^(2^m) of each model's augmented one-step propagator M, m = 0 .. 62
"""

State = namedtuple("State", [
    "Y", "Iext", "G", "H", "RING", "IS", "GS", "refr_until", "spiked", "frac", "gen_ptr", "TR",
    "KD", "KP", "KW", "QP", "QJ", "QA", "KS", "KT", "KE", "KA", "STY", "STL", "step_spk", "stp_tmp"])
State.__doc__ = """What a run changes (and scratch space).

Y          : float64, every neuron population's states (population q: (d, size) at yoff[q])
Iext       : (n_total,) float64, constant input current (pA)
G, H       : (C * n_total,) float64, each channel's g (nS or pA) and rise variable h at the
             present step, with the spikes of delay 0 arriving then (decayed to the next step
             inside the neuron loop)
RING       : (C * L * n_total,) float64, delayed weights arriving at each step (slot = step % L;
             length 1 when no channel is delayed)
IS, GS     : (n_total,) float64, the kinetic channels' input: I = IS - GS V
refr_until : (n_total,) int64, step until which a neuron is refractory
spiked     : (n_total padded to 8,) bool, spiked in this step
frac       : (n_total,) float64, spike time within the step (1.0: at its end)
gen_ptr    : (1,) int64, next entry of Populations.gen_step
TR         : float64, STDP traces (per projection: presynaptic, then postsynaptic)
KD, KP, KW : (KC * n_total,) float64, kinetic accumulators sum w s outside and inside a
             transmitter pulse, and sum w inside a pulse (see _presynaptic)
QP         : (3 npro,) int64, each kinetic projection's queue pointers (tail, start, end)
QJ, QA     : int64, queued pulses: presynaptic neuron and arrival step
KS, KT, KE, KA : per presynaptic neuron of kinetic projections: gating s at step KT,
             step its pulse ends (-1: none), step of its last queued arrival
STY, STL   : float64 / int64, STP state per presynaptic neuron and the step it holds at
step_spk   : (n_total,) int64, scratch: global indices of this step's spikes
stp_tmp    : float64, scratch for bringing STP state forward
"""

Chunk = namedtuple("Chunk", ["counts", "drive", "rec_flat", "rec_src", "rec_every", "done", "R"])
Chunk.__doc__ = """One call's inputs and outputs besides the network (steps kk = 0 .. nsteps - 1).

counts    : (nsteps, npop) int32, out: spikes per step and population
drive     : (nsteps, npop) float64, time-varying input current (pA) per step and population
rec_flat  : (M,) int64, each monitored value's index into its source (see _monitors.record_of)
rec_src   : (M,) int64, its source: STATE, CHANNEL, KINETIC or STP0 + state index
rec_every : (M,) int64, record it every this many steps (counted from the run's start)
done      : steps of this run before this call (aligns ``every`` across calls)
R         : (rows, M) float64, out: column m's samples of this call in its first rows
"""


def kernel_records(b: dict):
    """The records ``(populations, channels, synapses, kinetic, stp, state)`` of the
    built arrays ``b`` (``net._built``): views, no copies."""
    pops = Populations(
        b["Ntot"], b["model_of"], b["kind_of"], b["yoff"], b["pop_n"], b["gstart"], b["P"], b["method_of"],
        b["hold_of"], b["vidx_of"], b["nref_of"], b["prob"], b["gen_step"], b["gen_idx"])
    channels = Channels(b["ch_kind"], b["ch_cond"], b["ch_delayed"], b["ch_E"], b["ch_decay"], b["ch_rise"],
                        b["ch_kappa"], b["L"])
    synapses = Synapses(
        b["pr_pre_start"], b["pr_pre_n"], b["pr_post_start"], b["pr_post_n"], b["pr_ch"], b["pr_kin"], b["pr_stp"],
        b["pr_delay"], b["pr_dly_off"], b["pr_ptr_off"], b["pr_syn_off"], b["pr_plastic"], b["pr_tpre_off"],
        b["pr_tpost_off"], b["pr_col_off"], b["pr_colsyn_off"], b["indptr"], b["indices"], b["weights"], b["dly"],
        b["colptr"], b["colsyn"], b["colpre"], b["PL"], b["tr_decay_pre"], b["tr_decay_post"],
        *uniform_weights(b))
    kinetic = Kinetic(b["kc_f"], b["kc_n"], b["kin_pr"], b["pr_koff"], b["pr_qoff"], b["pr_qcap"], b["vflat"])
    stp = ShortTerm(b["stp_i"], b["stp_p"], b["STPOW"])
    state = State(
        b["Y"], b["Iext"], b["G"], b["H"], b["RING"], b["IS"], b["GS"], b["refr_until"], b["spiked"], b["frac"],
        b["gen_ptr"], b["TR"], b["KD"], b["KP"], b["KW"], b["QP"], b["QJ"], b["QA"], b["KS"], b["KT"], b["KE"],
        b["KA"], b["STY"], b["STL"], b["step_spk"], b["stp_tmp"])
    return pops, channels, synapses, kinetic, stp, state


def uniform_weights(b: dict):
    """``(uniform, w_uniform)`` of each projection (see :class:`Synapses`), from the
    weights as they are now: ``Projection.weights`` are views a user may change
    between runs."""
    npro = b["pr_pre_start"].shape[0]
    uniform = np.zeros(npro, np.bool_)
    w_uniform = np.zeros(npro)
    w = b["weights"]
    for r in range(npro):
        o = b["pr_syn_off"][r]
        n = b["indptr"][b["pr_ptr_off"][r] + b["pr_pre_n"][r]]  # the projection's synapses
        if b["pr_plastic"][r] < 0 and n > 0:
            ws = w[o:o + n]
            if np.all(ws == ws[0]):
                uniform[r] = True
                w_uniform[r] = ws[0]
    return uniform, w_uniform


def chunk_record(nsteps: int, npop: int, drive: np.ndarray, recs: list, done: int) -> Chunk:
    """The :class:`Chunk` of a call advancing ``nsteps`` steps after ``done`` steps of the
    run, for monitor records ``recs`` ((who, variable, every, flat indices, source), ...)."""
    flat = np.concatenate([r[3] for r in recs]).astype(np.int64) if recs else np.zeros(0, np.int64)
    src = np.concatenate([np.full(r[3].size, r[4], np.int64) for r in recs]) if recs else np.zeros(0, np.int64)
    every = np.concatenate([np.full(r[3].size, r[2], np.int64) for r in recs]) if recs else np.zeros(0, np.int64)
    rows = max([samples(done, nsteps, r[2]) for r in recs] or [0])
    return Chunk(np.zeros((nsteps, npop), np.int32), drive, flat, src, every, int(done),
                 np.empty((rows, flat.size)))


def samples(done: int, nsteps: int, every: int) -> int:
    """Samples a monitor of ``every`` takes in steps done + 1 .. done + nsteps of a run
    (it records after steps every, 2 every, ... of the run)."""
    return (done + nsteps) // every - done // every
