"""Grading spec for ``bpu_lab`` (see coursekit.course.grading.spec).

Session c2-bpu-lab: running the course's neurons on a brain-inspired chip,
emulated.  Students write the chip's integer arithmetic (a rounded right shift,
saturation or wrap-around), a fixed-point LIF neuron that must match the
emulated core bit for bit, a choice of step and binary points that keeps an
Izhikevich chattering (CH) neuron bursting, the cost of mapping a network onto
cores under the fan-in and core-size limits, and (challenge) the error of the
AdEx exponential read from a table.

References
----------
Every reference is computed here, in the grader, from coursekit.bpu (tested in
tests/test_bpu_*.py against hand-computed integer cases, Lava's published Loihi
equations and the float models):

* ``shift_right``, ``saturate``: :func:`coursekit.bpu.fixed_point.shift_right`
  and :meth:`Format.wrap_or_saturate`;
* ``lif_run``: :class:`coursekit.bpu.FixedLIF` on a one-neuron
  :class:`coursekit.bpu.Core` (``x`` and the spikes of every step);
  tests/test_bpu_lab_assignment.py checks that :func:`compile_lif` gives the same
  bits and that the plain-Python variant below (the declared mistakes' base)
  equals FixedLIF with every flag off;
* ``izhikevich_scaling``: the student's choice (dt, frac_V, frac_u) is compiled
  by :func:`coursekit.bpu.compile_izhikevich` for the CH preset in registers of
  the case's width and rounding, run on a core for the preset's protocol and
  judged by :func:`coursekit.bpu.patterns.criterion` ("bursting", the float
  tests' classifier); a choice is refused when a parameter does not fit, when
  any register (V, u or the intermediate t) reaches the end of its range
  (saturation), or when dt is outside 0.01..0.25 ms;
* ``map_cost``: :func:`coursekit.bpu.map_network` on the course's networks
  (``ei_network``, ``decision_network``, ``cann_ring``, scaled down, with small
  core limits so that the limits bite);
* ``exp_table_error``: :func:`coursekit.bpu.exp_error` (the exponential of a
  compiled AdEx read on the emulated core in s16.15).

Everything coursekit.bpu holds is switched off in the jail (FORBIDDEN_MODULES):
every one of its modules imports ``fixed_point``, whose helpers are task 1, so
the package cannot be split; the CH neuron's parameters and protocol are given
in the setup cell instead.

No cascade
----------
``lif_run`` is graded with the solution's ``shift_right`` and ``saturate``.

Tolerances, and why
-------------------
* ``shift_right``, ``saturate``, ``lif_run``, ``map_cost``: integers, exactly
  (atol 0.5 accepts an integer-valued float array).
* ``izhikevich_scaling``: not a number to match but a choice to run: any
  choice that keeps CH bursting without saturation passes.
* ``exp_table_error``: rtol 5 %: the student measures the float table's error on
  a dense grid; the reference reads it off the fixed-point core, whose rounding
  moves the piecewise-linear error by up to 4 % (measured 1.265e-4 against the
  chord's 1.221e-4 at h = Delta_T / 32) and the table's by 0.2 %.  The declared
  mistakes are off by a factor of 2 or more.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from coursekit.bpu import Core, FixedLIF, compile_izhikevich, exp_error, int16, map_network
from coursekit.bpu.fixed_point import Format, shift_right as ck_shift_right
from coursekit.bpu.mapping import cann_ring, decision_network, ei_network
from coursekit.bpu.patterns import ChipRun, criterion
from coursekit.course.grading.spec import AnswerCheck, Case, CellSpec, Mistake, seed_for

FORBIDDEN_MODULES = ["coursekit.bpu"]

ASSIGNMENT = "bpu_lab"
ROUNDINGS = ("truncate", "toward_zero", "nearest")
DECAY_BITS = 15
DT_MIN, DT_MAX = 0.01, 0.25
#: the CH preset (Izhikevich 2003) and its protocol, as the setup cell gives them
CH = dict(a=0.02, b=0.2, c=-50.0, d=2.0, V_th=30.0, V0=-65.0, u0=-13.0, I=10.0, onset=20.0, duration=400.0)


# =========================================================================== task 1: integer arithmetic

def reference_shift_right(x, n, rounding):
    return ck_shift_right(np.asarray(x, dtype=np.int64), int(n), rounding)


def shift_logical(x, n, rounding):
    """The bit pattern of a 16-bit register shifted as unsigned (numpy's >> on uint16)."""
    if rounding != "truncate":
        return reference_shift_right(x, n, rounding)
    return ck_shift_right(np.asarray(x, dtype=np.int64), int(n), "logical", width=16)


def shift_always_nearest(x, n, rounding):
    return reference_shift_right(x, n, "nearest")


def shift_always_truncate(x, n, rounding):
    return reference_shift_right(x, n, "truncate")


def shift_trunc_for_floor(x, n, rounding):
    """int(x / 2**n): toward zero where truncation (floor) is asked, and the reverse."""
    swap = {"truncate": "toward_zero", "toward_zero": "truncate"}.get(rounding, rounding)
    return reference_shift_right(x, n, swap)


def reference_saturate(x, bits, overflow):
    return Format("r", int(bits), 0, overflow).wrap_or_saturate(np.asarray(x, dtype=np.int64))


def saturate_always_wrap(x, bits, overflow):
    return reference_saturate(x, bits, "wrap")


def saturate_ignored(x, bits, overflow):
    return np.asarray(x, dtype=np.int64)


def saturate_symmetric(x, bits, overflow):
    """Clipped to [-(2**(bits-1) - 1), 2**(bits-1) - 1] (a symmetric range), wrap left alone."""
    if overflow != "saturate":
        return reference_saturate(x, bits, overflow)
    hi = 2 ** (int(bits) - 1) - 1
    return np.clip(np.asarray(x, dtype=np.int64), -hi, hi)


M_SHIFT_LOGICAL = Mistake("logical shift of a negative value", shift_logical,
                          "Your truncated shift matches a logical shift of the 16-bit pattern: a negative value "
                          "becomes a huge positive one. Truncation is the arithmetic shift x >> n of a signed "
                          "integer (floor(x / 2**n)): -1 >> 1 is -1.")
M_SHIFT_NEAREST = Mistake("rounding instead of truncation", shift_always_nearest,
                          "Your shift rounds to nearest whatever rounding is asked: add half an LSB, 2**(n-1), "
                          "only for rounding='nearest'.")
M_SHIFT_TRUNCATE = Mistake("truncation instead of rounding", shift_always_truncate,
                           "Your shift truncates whatever rounding is asked: for 'nearest' add 2**(n-1) before "
                           "shifting; for 'toward_zero' shift the magnitude and keep the sign.")
M_SHIFT_TRUNC = Mistake("toward zero and floor swapped", shift_trunc_for_floor,
                        "Your 'truncate' rounds toward zero (as int(x / 2**n) does) and/or your 'toward_zero' "
                        "floors: truncation drops the low bits of the two's complement word (floor, -5 >> 1 = -3); "
                        "toward zero shifts |x| and keeps the sign (-5 -> -2).")
M_SAT_WRAP = Mistake("wrap where the format saturates", saturate_always_wrap,
                     "Your values wrap around where the format saturates: with overflow='saturate' clip to "
                     "[-2**(bits-1), 2**(bits-1) - 1].")
M_SAT_IGNORED = Mistake("overflow ignored", saturate_ignored,
                        "You return the values unchanged: a bits-wide register cannot hold them. Clip "
                        "('saturate') or keep the low bits as a signed number ('wrap').")
M_SAT_SYMMETRIC = Mistake("symmetric range", saturate_symmetric,
                          "Your saturation clips at -(2**(bits-1) - 1): the most negative value of a two's "
                          "complement register is -2**(bits-1), one more than the largest is positive.")


def _ints(rng, size, lo, hi):
    return rng.integers(lo, hi, size=size).astype(np.int64)


SHIFT_VISIBLE = [
    Case(kwargs=dict(x=np.array([5, 6, 7, -5, -6, -7, -1, 0]), n=1, rounding="truncate"), label="x >> 1, truncate"),
    Case(kwargs=dict(x=np.array([5, 6, 7, -5, -6, -7, -1, 0]), n=1, rounding="toward_zero"),
         label="x >> 1, toward zero"),
    Case(kwargs=dict(x=np.array([5, 6, 7, -5, -6, -7, -1, 0]), n=1, rounding="nearest"), label="x >> 1, nearest"),
]
SATURATE_VISIBLE = [
    Case(kwargs=dict(x=np.array([127, 128, 300, -128, -129, -300]), bits=8, overflow="saturate"),
         label="8 bits, saturate"),
    Case(kwargs=dict(x=np.array([127, 128, 300, -128, -129, -300]), bits=8, overflow="wrap"), label="8 bits, wrap"),
]


def hidden_shift(rng):
    n = int(rng.integers(3, 9))
    x = _ints(rng, 40, -2 ** 14, 2 ** 14)
    x[:4] = [-1, -(2 ** n), 2 ** (n - 1), -(2 ** (n - 1))]          # exact halves and the smallest negative
    return [Case(kwargs=dict(x=x, n=n, rounding=r), label=f"random 16-bit values, {r.replace('_', ' ')}")
            for r in ROUNDINGS] + [
        Case(kwargs=dict(x=_ints(rng, 20, -2 ** 15, 0), n=int(rng.integers(1, 5)), rounding="truncate"),
             label="negative values only, truncate"),
        Case(kwargs=dict(x=np.array([int(rng.integers(-100, 100))]), n=0, rounding="nearest"),
             label="a shift by 0 bits")]


def hidden_saturate(rng):
    bits = int(rng.integers(10, 24))
    hi = 2 ** (bits - 1)
    x = _ints(rng, 30, -4 * hi, 4 * hi)
    x[:4] = [hi - 1, hi, -hi, -hi - 1]
    inside = _ints(rng, 10, -hi, hi)
    return [Case(kwargs=dict(x=x, bits=bits, overflow="saturate"), label="random values past both ends, saturate"),
            Case(kwargs=dict(x=x, bits=bits, overflow="wrap"), label="random values past both ends, wrap"),
            Case(kwargs=dict(x=inside, bits=bits, overflow="saturate"), label="values inside the range")]


# =========================================================================== task 2: the fixed-point LIF

def _lif_params(tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, decay):
    one = 2.0 ** frac_bits
    theta = int(math.floor((V_th - V_rest) * one + 0.5))
    x_reset = int(math.floor((V_reset - V_rest) * one + 0.5))
    n_ref = int(round(t_ref / dt))
    if decay == "multiply":
        return theta, x_reset, n_ref, int(math.floor(math.exp(-dt / tau) * 2 ** DECAY_BITS + 0.5))
    return theta, x_reset, n_ref, int(round(math.log2(tau / dt)))


def _lif_python(b, tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, rounding="nearest", decay="multiply",
                overflow="saturate", *, compare_gt=False, reset_first=False, ref_short=False, float_decay=False,
                truncate_only=False, no_overflow=False):
    """The step of the notebook in plain Python; every keyword flag is one declared mistake."""
    theta, x_reset, n_ref, K = _lif_params(tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, decay)
    n_ref -= ref_short
    rnd = "truncate" if truncate_only else rounding
    lo, hi = -2 ** 15, 2 ** 15 - 1
    x, ref = 0, 0
    out = np.zeros((2, len(b)), dtype=np.int64)
    for t, bt in enumerate(np.asarray(b, dtype=np.int64)):
        if float_decay:
            y = int(math.floor(x * math.exp(-dt / tau) + 0.5))
        elif decay == "multiply":
            y = int(ck_shift_right(np.int64(x * K), DECAY_BITS, rnd))
        else:
            y = x - int(ck_shift_right(np.int64(x), K, rnd))
        y = y + int(bt)
        if not no_overflow:
            y = int(reference_saturate(np.int64(y), 16, overflow))
        spike = False
        if ref > 0:
            x, ref = x_reset, ref - 1
        elif (y > theta) if compare_gt else (y >= theta):
            x, ref = x_reset, n_ref
            spike = not reset_first
        else:
            x = y
        out[:, t] = x, spike
    return out


def reference_lif_run(b, tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, rounding="nearest", decay="multiply",
                      overflow="saturate"):
    from coursekit.neurons import LIF

    model = LIF(tau=tau, V_rest=V_rest, V_th=V_th, V_reset=V_reset, t_ref=t_ref)
    neuron = FixedLIF(model, dt, int16(int(frac_bits), overflow), rounding, decay, DECAY_BITS)
    b = np.asarray(b, dtype=np.int64)
    res = Core(neuron, 1).run(len(b), current=b[:, None], record=[0])
    return np.array([res.state("x")[:, 0], res.spikes[:, 0].astype(np.int64)])


def _variant(**flags):
    def run(b, tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, rounding="nearest", decay="multiply",
            overflow="saturate"):
        return _lif_python(b, tau, dt, V_rest, V_th, V_reset, t_ref, frac_bits, rounding, decay, overflow, **flags)
    return run


M_LIF_GT = Mistake("threshold compared with >", _variant(compare_gt=True),
                   "Your neuron spikes only above the threshold: this core spikes when x >= theta (Loihi's "
                   "v > vth is another chip's convention).")
M_LIF_RESET = Mistake("reset before the spike is recorded", _variant(reset_first=True),
                      "Your x is right but no spike is ever recorded: you reset x before testing it against the "
                      "threshold. Test y >= theta first, record the spike, then reset.")
M_LIF_REF = Mistake("refractory period one step short", _variant(ref_short=True),
                    "Your neuron is held at x_reset one step too few: after the step of a spike, round(t_ref / dt) "
                    "further steps are refractory.")
M_LIF_FLOAT = Mistake("decay in floating point", _variant(float_decay=True),
                      "Your decay multiplies by exp(-dt/tau) in floating point: the chip multiplies by the "
                      "integer A = round(exp(-dt/tau) 2**15) (or shifts by k) and rounds the product with "
                      "shift_right.")
M_LIF_TRUNC = Mistake("rounding argument ignored (always truncated)", _variant(truncate_only=True),
                      "Your decay always truncates: pass the given rounding to shift_right.")
M_LIF_OVERFLOW = Mistake("overflow ignored in the step", _variant(no_overflow=True),
                         "Your x leaves the 16-bit range: apply saturate(y, 16, overflow) after adding the input.")

LIF_BASE = dict(tau=10.0, V_rest=-70.0, V_th=-50.0, V_reset=-70.0)


def _lif_case(b, label, **kw):
    return Case(kwargs=dict(b=np.asarray(b, dtype=np.int64), **kw), label=label)


def _drive(theta, steps, rng, level):
    return np.full(steps, int(level * theta / 8)) + rng.integers(-2, 3, steps)


LIF_VISIBLE = [
    _lif_case(np.full(60, 200), "constant drive, Q8.7, multiply decay, nearest", **LIF_BASE, dt=0.5, t_ref=2.0,
              frac_bits=7, rounding="nearest", decay="multiply", overflow="saturate"),
    _lif_case(np.r_[np.full(30, 330), np.full(30, -900)], "drive then inhibition, Q9.6, shift decay, truncate",
              **LIF_BASE, dt=1.0, t_ref=3.0, frac_bits=6, rounding="truncate", decay="shift", overflow="saturate"),
]


def hidden_lif(rng):
    cases = []
    f = int(rng.integers(5, 9))                  # Q(15-f).f: |x| up to 2**(15-f) mV, at least +-128 mV
    theta = int(math.floor(20.0 * 2 ** f + 0.5))
    rnd = [str(r) for r in rng.permutation(ROUNDINGS)]
    dt = float(rng.choice([0.25, 0.5, 1.0]))
    steps = 120
    # tonic firing (b near 2.2 theta / 8 per step for a multiply decay) with a refractory period
    cases.append(_lif_case(_drive(theta, steps, rng, rng.uniform(1.5, 3.0) * dt), "tonic firing, multiply decay",
                           **LIF_BASE, dt=dt, t_ref=2.0, frac_bits=f, rounding=rnd[0], decay="multiply",
                           overflow="saturate"))
    # shift decay with a reset below rest: negative x decays through the rounding of negative values
    kw = dict(LIF_BASE, V_reset=-80.0 - float(rng.integers(0, 5)))
    cases.append(_lif_case(_drive(theta, steps, rng, rng.uniform(1.5, 3.0) * dt) - int(0.02 * theta),
                           "shift decay, reset below rest (negative x)", **kw, dt=dt, t_ref=1.0, frac_bits=f,
                           rounding=rnd[1], decay="shift", overflow="saturate"))
    # a pulse that lands exactly on the threshold, then rest
    b = np.zeros(40, dtype=np.int64)
    b[0] = theta
    b[20] = theta - 1
    cases.append(_lif_case(b, "one input step landing exactly on the threshold", **LIF_BASE, dt=dt, t_ref=1.0,
                           frac_bits=f, rounding=rnd[2], decay="multiply", overflow="saturate"))
    # inhibition past the bottom of the format: saturation holds x at the bottom; wrap-around jumps to the top
    big = 2 ** 15 - int(rng.integers(1, 200))
    b = np.r_[np.full(10, -big), np.full(30, int(rng.integers(0, theta // 20)))]
    cases.append(_lif_case(b, "inhibition past the bottom of the format, saturating", **LIF_BASE, dt=dt,
                           t_ref=1.0, frac_bits=f, rounding=rnd[0], decay="multiply", overflow="saturate"))
    cases.append(_lif_case(b, "inhibition past the bottom of the format, wrap-around", **LIF_BASE, dt=dt,
                           t_ref=1.0, frac_bits=f, rounding=rnd[1], decay="multiply", overflow="wrap"))
    # random drive with long refractory periods, shift decay, rounding to nearest
    cases.append(_lif_case(rng.integers(-theta // 8, theta // 2, steps), "random drive, long refractory period",
                           **LIF_BASE, dt=0.5, t_ref=5.0, frac_bits=f, rounding="nearest", decay="shift",
                           overflow=str(rng.choice(["saturate", "wrap"]))))
    return cases


# =========================================================================== task 3: scaling of the CH neuron

def _ch_model():
    from coursekit.neurons.izhikevich import Izhikevich

    return Izhikevich.preset("CH")


@lru_cache(maxsize=512)
def run_choice(bits: int, rounding: str, dt: float, frac_V: int, frac_u: int) -> tuple[str, str]:
    """(outcome, detail) of running CH on the chip with a choice: "bursts", "does not fit", "saturates",
    "no bursting" or "invalid"."""
    if not (DT_MIN <= dt <= DT_MAX):
        return "invalid", f"dt = {dt:g} ms is outside [{DT_MIN}, {DT_MAX}] ms"
    for name, fr in (("frac_V", frac_V), ("frac_u", frac_u)):
        if not (0 <= fr <= bits - 1):
            return "invalid", f"{name} = {fr} is outside [0, {bits - 1}] for {bits}-bit registers"
    fmt = Format(f"int{bits}", bits, 0, "saturate")
    model = _ch_model()
    try:
        prog = compile_izhikevich(model, dt, fmt, rounding, frac_bits={"V": frac_V, "u": frac_u})
    except ValueError as err:
        return "does not fit", str(err)
    steps = int(round(CH["duration"] / dt))
    t = np.arange(steps) * dt
    I = np.where(t >= CH["onset"], CH["I"], 0.0)
    cur = prog.input_from_current(I)[:, None]
    res = Core(prog, 1).run(steps, current=cur, record="all")
    for name in ("V", "u", "t"):
        q = res.state(name)[:, 0]
        if q.max() >= fmt.max_int or q.min() <= fmt.min_int:
            return "saturates", f"register {name} reaches the end of its range"
    tend = (np.arange(steps) + 1) * dt
    run = ChipRun(tend[res.spikes[:, 0]], tend, prog.voltage(res.state("V")[:, 0]), prog, CH["duration"])
    return ("bursts", "") if criterion("CH", run) else ("no bursting", "")


def _choice(got):
    """(dt, frac_V, frac_u) from a student's answer, or None."""
    try:
        a = np.asarray(got, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    if a.size != 3 or not np.all(np.isfinite(a)) or a[1] != round(a[1]) or a[2] != round(a[2]):
        return None
    return float(a[0]), int(a[1]), int(a[2])


def reference_izhikevich_scaling(bits, rounding):
    """What the answer must achieve (the compare runs it): CH bursting in these registers."""
    return {"bits": int(bits), "rounding": rounding, "outcome": "bursts"}


def _outcome(label):
    def variant(bits, rounding):
        return {"bits": int(bits), "rounding": rounding, "outcome": label}
    return variant


def same_outcome(got, expected):
    c = _choice(got)
    if c is None:
        return False, "return (dt, frac_V, frac_u): a step in ms and two integers"
    outcome, detail = run_choice(expected["bits"], expected["rounding"], *c)
    if outcome == expected["outcome"]:
        return True, "CH bursts on the chip" if outcome == "bursts" else outcome
    return False, {"invalid": f"not a valid choice: {detail}", "does not fit": "a parameter does not fit",
                   "saturates": "a register saturates", "no bursting": "CH does not burst"}[outcome]


M_SCALE_FIT = Mistake("a parameter does not fit", _outcome("does not fit"),
                      "The compiler refuses your choice: a parameter (the threshold 30 mV, the reset, 140 dt, d) "
                      "lies outside the range your binary point leaves. Fewer fraction bits for that variable.")
M_SCALE_SAT = Mistake("saturating registers", _outcome("saturates"),
                      "A register saturates: V goes from about -75 mV to the value of the step that crosses "
                      "30 mV (over 100 mV at dt = 0.25 ms), u to about -13.4. Leave room for the largest value of "
                      "a forward-Euler run at your dt, not only the threshold.")
M_SCALE_FINE = Mistake("bursting rounded away", _outcome("no bursting"),
                       "Nothing overflows, but CH no longer bursts: the slow update dt a (b V - u) per step is a "
                       "few LSBs of u or less and rounding eats it. Give u the finest binary point its range "
                       "allows, and do not make the step finer than the registers resolve.")

SCALING_VISIBLE = [Case(kwargs=dict(bits=16, rounding="nearest"), label="16-bit registers, rounding to nearest")]
VISIBLE_DTS = (0.05, 0.1, 0.125, 0.2, 0.25)


def visible_choices(bits=16, rounding="nearest", dts=VISIBLE_DTS):
    """Every (dt, frac_V, frac_u) on the grid of steps ``dts`` that keeps CH bursting."""
    return [(dt, fV, fU) for dt in dts for fV in range(bits) for fU in range(bits)
            if run_choice(bits, rounding, dt, fV, fU)[0] == "bursts"]


def hidden_scaling(rng):
    return [Case(kwargs=dict(bits=14, rounding="nearest"), label="14-bit registers, rounding to nearest"),
            Case(kwargs=dict(bits=16, rounding="toward_zero"), label="16-bit registers, rounding toward zero"),
            Case(kwargs=dict(bits=int(rng.choice([18, 20, 24])), rounding=str(rng.choice(ROUNDINGS))),
                 label="wider registers, another rounding")]


# =========================================================================== task 4: mapping

def reference_map_cost(W, external=0, policy="split", max_neurons=1024, max_fan_in=256):
    m = map_network(np.asarray(W, dtype=float), external=external, policy=policy, max_neurons=int(max_neurons),
                    max_fan_in=int(max_fan_in))
    return np.array([m.n_units, m.n_cores, m.n_split, m.n_added, m.n_dropped])


def _cost(fan_in, policy, max_neurons, max_fan_in, *, floor=False, no_partials_in_cores=False,
          split_excess=False, drop_all=False):
    n = fan_in.size
    over = fan_in > max_fan_in
    partial = np.zeros(n, dtype=np.int64)
    split = added = dropped = 0
    if policy == "split":
        partial[over] = fan_in[over] // max_fan_in if floor else -(-fan_in[over] // max_fan_in)
        split = int((fan_in[over] - max_fan_in).sum()) if split_excess else int(fan_in[over].sum())
        added = int(partial.sum())
    else:
        dropped = int(fan_in[over].sum()) if drop_all else int((fan_in[over] - max_fan_in).sum())
    units = n + int(partial.sum())
    cores = -(-(n if no_partials_in_cores else units) // max_neurons)
    return np.array([units, cores, split, added, dropped])


def _fan_in(W, external, rows=False):
    W = np.asarray(W)
    return (np.count_nonzero(W, axis=1 if rows else 0) + np.broadcast_to(np.asarray(external), (W.shape[0],))
            ).astype(np.int64)


def _map_variant(rows=False, no_external=False, **flags):
    def run(W, external=0, policy="split", max_neurons=1024, max_fan_in=256):
        return _cost(_fan_in(W, 0 if no_external else external, rows), policy, max_neurons, max_fan_in, **flags)
    return run


M_MAP_ROWS = Mistake("fan-out counted as fan-in", _map_variant(rows=True),
                     "You counted each neuron's outgoing synapses: W[j, i] is a synapse from j to i, so the "
                     "fan-in of neuron i is the number of non-zeros in column i.")
M_MAP_EXT = Mistake("external inputs not counted", _map_variant(no_external=True),
                    "Your fan-in leaves out the synapses from input axons (external): they occupy the neuron's "
                    "fan-in like recurrent ones.")
M_MAP_FLOOR = Mistake("partial units rounded down", _map_variant(floor=True),
                      "Your neuron with fan-in f gets f // max_fan_in partial-sum units: it needs "
                      "ceil(f / max_fan_in) of them to hold every synapse.")
M_MAP_CORES = Mistake("partial units left out of the cores", _map_variant(no_partials_in_cores=True),
                      "Your core count packs the neurons only: the partial-sum units are neurons of the core too.")
M_MAP_EXCESS = Mistake("only the excess counted", _map_variant(split_excess=True, drop_all=True),
                       "Count every synapse of an over-full neuron as split (they all go through partial units), "
                       "and as dropped only the ones beyond the limit.")

MAP_VISIBLE = [
    Case(kwargs=dict(W=decision_network(5, 8), external=0, policy="split", max_neurons=8, max_fan_in=8),
         label="decision circuit (5 + 5 + 8), split, cores of 8, fan-in 8"),
    Case(kwargs=dict(W=decision_network(5, 8), external=2, policy="drop", max_neurons=8, max_fan_in=8),
         label="the same with 2 external inputs each, drop"),
]


def hidden_map(rng):
    n_e = int(rng.integers(40, 60))
    W_ei = ei_network(N_E=n_e, N_I=n_e // 4, C_E=int(rng.integers(12, 24)), C_I=int(rng.integers(3, 8)),
                      seed=int(rng.integers(0, 2 ** 31))).toarray()
    W_ring = cann_ring(N=int(rng.integers(40, 70)), radius=int(rng.integers(8, 16)))
    W_dec = decision_network(int(rng.integers(5, 10)), int(rng.integers(6, 12)))
    W_rand = (rng.random((40, 40)) < rng.uniform(0.3, 0.45)) * rng.normal(size=(40, 40))
    ext = rng.integers(0, 8, size=40)
    mf, mn = int(rng.choice([12, 14, 16])), int(rng.choice([16, 24, 32]))
    return [Case(kwargs=dict(W=W_ei, external=int(rng.integers(1, 8)), policy="split", max_neurons=mn,
                             max_fan_in=mf), label="E/I network with external inputs, split"),
            Case(kwargs=dict(W=W_ring, external=0, policy="drop", max_neurons=mn, max_fan_in=mf),
                 label="CANN ring, drop"),
            Case(kwargs=dict(W=W_dec, external=0, policy="split", max_neurons=mn, max_fan_in=mf),
                 label="decision circuit, split"),
            Case(kwargs=dict(W=W_rand, external=ext, policy="split", max_neurons=mn, max_fan_in=mf),
                 label="random directed network, per-neuron external inputs, split"),
            Case(kwargs=dict(W=W_rand, external=ext, policy="drop", max_neurons=mn, max_fan_in=mf),
                 label="random directed network, per-neuron external inputs, drop")]


# =========================================================================== task 5 (challenge): the exponential

def reference_exp_table_error(delta_T, h, method):
    from coursekit.neurons.adex import AdEx

    return exp_error(AdEx(delta_T=float(delta_T)), exp=method, exp_step=float(h))["max_rel_error"]


def exp_error_segment_start(delta_T, h, method):
    """The table holding exp at each segment's start: 1 - exp(-h / delta_T) (the error at the segment's end)."""
    return -math.expm1(-h / delta_T) if method == "table" else reference_exp_table_error(delta_T, h, method)


def exp_error_table_for_chord(delta_T, h, method):
    return math.expm1(h / (2 * delta_T))


M_EXP_START = Mistake("value at the segment's start", exp_error_segment_start,
                      "Your table's error is that of a table holding the value at each segment's start "
                      "(1 - exp(-h / Delta_T)): the chip's table holds the value at the middle, which halves it.")
M_EXP_CHORD = Mistake("table error for the interpolation", exp_error_table_for_chord,
                      "Your piecewise-linear error is the table's: interpolating between the segment's ends "
                      "leaves the chord's error, about h**2 / (8 Delta_T**2).")

EXP_VISIBLE = [Case(kwargs=dict(delta_T=2.0, h=0.125, method="table"), label="Delta_T = 2 mV, h = 1/8 mV, table"),
               Case(kwargs=dict(delta_T=2.0, h=0.125, method="piecewise"),
                    label="Delta_T = 2 mV, h = 1/8 mV, piecewise")]


def hidden_exp(rng):
    dT = float(rng.choice([1.0, 1.5, 3.0, 4.0]))
    out = []
    for k, method in zip(rng.permutation([3, 4, 5])[:2], ("table", "piecewise")):
        h = 2.0 ** math.floor(math.log2(dT / 2 ** int(k)))          # a power of two (V's LSB divides it)
        out.append(Case(kwargs=dict(delta_T=dT, h=h, method=method), label=f"another Delta_T and h, {method}"))
    out.append(Case(kwargs=dict(delta_T=dT, h=2.0 ** math.floor(math.log2(dT / 2)), method="piecewise"),
                    label="a coarse table, piecewise"))
    return out


# =========================================================================== the checks

def _shift_checks(shift_cases, sat_cases):
    return [AnswerCheck("shift_right", cases=shift_cases, reference=reference_shift_right, rtol=0, atol=0.5,
                        mistakes=[M_SHIFT_LOGICAL, M_SHIFT_TRUNC, M_SHIFT_NEAREST, M_SHIFT_TRUNCATE]),
            AnswerCheck("saturate", cases=sat_cases, reference=reference_saturate, rtol=0, atol=0.5,
                        mistakes=[M_SAT_WRAP, M_SAT_IGNORED, M_SAT_SYMMETRIC])]


def _lif_check(cases):
    return AnswerCheck("lif_run", cases=cases, reference=reference_lif_run, rtol=0, atol=0.5,
                       uses=("shift_right", "saturate"),
                       mistakes=[M_LIF_GT, M_LIF_RESET, M_LIF_REF, M_LIF_FLOAT, M_LIF_TRUNC, M_LIF_OVERFLOW])


def _scaling_check(cases):
    return AnswerCheck("izhikevich_scaling", cases=cases, reference=reference_izhikevich_scaling,
                       compare=same_outcome, mistakes=[M_SCALE_FIT, M_SCALE_SAT, M_SCALE_FINE])


def _map_check(cases):
    return AnswerCheck("map_cost", cases=cases, reference=reference_map_cost, rtol=0, atol=0.5,
                       mistakes=[M_MAP_ROWS, M_MAP_EXT, M_MAP_FLOOR, M_MAP_CORES, M_MAP_EXCESS])


def _exp_check(cases):
    return AnswerCheck("exp_table_error", cases=cases, reference=reference_exp_table_error, rtol=0.05, atol=0,
                       mistakes=[M_EXP_START, M_EXP_CHORD])


CHECKS = {
    "test_arith_visible": CellSpec(_shift_checks(SHIFT_VISIBLE, SATURATE_VISIBLE),
                                   title="Task 1 · shift_right and saturate · visible cases"),
    "test_arith_hidden": CellSpec(_shift_checks(hidden_shift, hidden_saturate),
                                  title="Task 1 · shift_right and saturate · hidden cases"),
    "test_lif_visible": CellSpec([_lif_check(LIF_VISIBLE)], title="Task 2 · lif_run · visible cases"),
    "test_lif_hidden": CellSpec([_lif_check(hidden_lif)], title="Task 2 · lif_run · hidden cases"),
    "test_scaling_visible": CellSpec([_scaling_check(SCALING_VISIBLE)],
                                     title="Task 3 · izhikevich_scaling · visible case"),
    "test_scaling_hidden": CellSpec([_scaling_check(hidden_scaling)], title="Task 3 · izhikevich_scaling · hidden cases"),
    "test_map_visible": CellSpec([_map_check(MAP_VISIBLE)], title="Task 4 · map_cost · visible cases"),
    "test_map_hidden": CellSpec([_map_check(hidden_map)], title="Task 4 · map_cost · hidden cases"),
    "test_exp_visible": CellSpec([_exp_check(EXP_VISIBLE)], title="Task 5 · exp_table_error · visible cases"),
    "test_exp_hidden": CellSpec([_exp_check(hidden_exp)], title="Task 5 · exp_table_error · hidden cases"),
}


# =========================================================================== the notebook's test cells
# Written from the cases above (tests/test_bpu_lab_assignment.py compares them; `python grading.py` rewrites them).

NOTEBOOK_SEED_STUDENT = "solution notebook"


def _py(x) -> str:
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        if x.ndim == 0:
            return _py(x.item())
        return f"np.array({_py(x.tolist())})"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_py(v) for v in x) + "]"
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    return repr(float(x))


def _sparse_W(W) -> str:
    """A weight matrix as the setup cell's ``_W(n, rows, cols)``: its synapses, weight 1 (the cost depends on
    where the synapses are, not on their weights; the networks' constructors are switched off)."""
    W = np.asarray(W)
    r, c = np.nonzero(W)
    return f"_W({W.shape[0]}, {_py(r)}, {_py(c)})"


def _kwargs(case: Case) -> str:
    parts = []
    for k, v in case.kwargs.items():
        parts.append(f"{k}={_sparse_W(v) if k == 'W' else _py(v)}")
    return "dict(" + ", ".join(parts) + ")"


def _cases(gid: str, j: int, student: str = NOTEBOOK_SEED_STUDENT):
    rng = np.random.default_rng(seed_for(ASSIGNMENT, student, gid))
    out = None
    for k, check in enumerate(CHECKS[gid].checks):
        cases = check.resolve_cases(rng)
        out = cases if k == j else out
    return out


def _check_lines(gid: str, student: str = NOTEBOOK_SEED_STUDENT) -> list[str]:
    lines = []
    for j, check in enumerate(CHECKS[gid].checks):
        for case in _cases(gid, j, student):
            e = check.expected(case)
            lines.append(f"    check_function({check.name}, [{_kwargs(case)}],\n"
                         f"                   expected=[{_py(e)}], labels={[case.label]!r}, "
                         f"rtol={check.rtol!r}, atol={check.atol!r})")
    return lines


def _group(title, lines):
    return f'with check_group("{title}"):\n' + "\n".join(lines)


def _hidden(comment, gid, title):
    return f"{comment}\n### BEGIN HIDDEN TESTS\n{_group(title, _check_lines(gid))}\n### END HIDDEN TESTS"


def _scaling_lines(gid: str, student: str = NOTEBOOK_SEED_STUDENT, dts=VISIBLE_DTS) -> list[str]:
    lines = []
    for case in _cases(gid, 0, student):
        ok = visible_choices(**case.kwargs, dts=dts)
        lines.append(f"    _choice = tuple(izhikevich_scaling(**{_kwargs(case)}))")
        lines.append(f"    check_true(f\"{case.label}: {{_choice}} keeps CH bursting\", "
                     f"_as_choice(_choice) in {_py(ok)})")
    return lines


def notebook_test_cells() -> dict[str, str]:
    cells = {
        "test_arith_visible": "# Visible checks: shifts of small numbers; an 8-bit register past both ends\n"
                              + _group("Task 1 · shift_right and saturate", _check_lines("test_arith_visible")),
        "test_arith_hidden": _hidden("# Hidden tests: random 16-bit values under each rounding, negative values "
                                     "only,\n# exact halves, a shift by 0; random widths past both ends",
                                     "test_arith_hidden", "Task 1 · hidden cases"),
        "test_lif_visible": "# Visible checks: two runs, every step's x and spike\n"
                            + _group("Task 2 · lif_run", _check_lines("test_lif_visible")),
        "test_lif_hidden": _hidden("# Hidden tests: other formats, roundings and drives: tonic firing, a reset "
                                   "below rest,\n# a step exactly onto the threshold, inhibition past the bottom "
                                   "(saturating and wrapping)", "test_lif_hidden", "Task 2 · hidden cases"),
        "test_scaling_visible": (
            "# Visible check: your choice for 16-bit registers is among those that the course's compiler keeps\n"
            "# bursting on the core without saturating, for dt in 0.05, 0.1, 0.125, 0.2 and 0.25 ms (the grader\n"
            "# runs any dt in [0.01, 0.25] ms)\n"
            + _group("Task 3 · izhikevich_scaling", _scaling_lines("test_scaling_visible"))),
        "test_scaling_hidden": ("# Hidden tests: other register widths and roundings, each run on the core\n"
                                "### BEGIN HIDDEN TESTS\n"
                                + _group("Task 3 · hidden cases", _scaling_lines("test_scaling_hidden", dts=(0.25,)))
                                + "\n### END HIDDEN TESTS"),
        "test_map_visible": "# Visible checks: the reduced decision circuit (pools of 5, 5 and 8 neurons) on small cores\n"
                            + _group("Task 4 · map_cost", _check_lines("test_map_visible")),
        "test_map_hidden": _hidden("# Hidden tests: an E/I network, a CANN ring, a decision circuit and a random "
                                   "network,\n# other core limits", "test_map_hidden", "Task 4 · hidden cases"),
        "test_exp_visible": "# Visible checks: the errors measured on the emulated core\n"
                            + _group("Task 5 · exp_table_error", _check_lines("test_exp_visible")),
        "test_exp_hidden": _hidden("# Hidden tests: other Delta_T and segments", "test_exp_hidden",
                                   "Task 5 · hidden cases"),
    }
    return cells


if __name__ == "__main__":   # rewrite the notebook's test cells from this file
    from pathlib import Path

    import nbformat

    path = Path(__file__).with_name(f"{ASSIGNMENT}.ipynb")
    nb = nbformat.read(path, as_version=4)
    sources = notebook_test_cells()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in sources:
            cell.source = sources.pop(gid)
    if sources:
        raise SystemExit(f"no test cell for {sorted(sources)} in {path.name}")
    nbformat.write(nb, path)
    print(f"rewrote the test cells of {path.name}")
