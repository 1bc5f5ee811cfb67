"""Compile coursekit's neuron models to per-neuron programs of the core's instruction set.

What the chip's compiler does with a model (the BPU compiler of the chip's
group turns BrainPy models into micro-instructions; Loihi's and SpiNNaker's
tool chains do the same by hand-written kernels), done here for
:class:`coursekit.neurons.LIF`, :class:`~coursekit.neurons.izhikevich.Izhikevich`
and :class:`~coursekit.neurons.adex.AdEx`:

1. **choose the time step** -- forward Euler with the given ``dt`` (ms) for
   Izhikevich and AdEx (the chip has no solver), the exact exponential step
   for LIF (as :class:`coursekit.bpu.FixedLIF`);
2. **choose the scaling** -- every state variable gets its own binary point in
   the ``fmt.bits``-wide registers, from a bound on its magnitude
   (:data:`BOUNDS`: V within +-128 mV, Izhikevich's u within +-32, AdEx's
   ``R w`` within +-64 mV): ``frac = bits - 1 - ceil(log2(bound))``, e.g.
   Q7.8 for V in 16 bits, 24 fraction bits in 32.  Pass ``frac_bits=`` to
   choose yourself;
3. **fold the constants** -- ``dt``, the time constants and the unit changes
   between variables become one integer constant per multiplication
   (``MULI x, k, sh``: the constant ``k / 2**sh``, ``sh`` as large as the
   register width allows);
4. **check** -- every parameter that becomes a stored value (thresholds,
   resets, increments) must fit its variable's format: a ValueError names the
   parameter, its value and unit, the variable's format and its range.  With a
   wrapping format, ``dt`` must be small enough that one step cannot leave the
   range (the error says the largest step and the dt that keeps it in range);
5. **emit** a :class:`CompiledNeuron` (a :class:`coursekit.bpu.isa.Program`,
   so a core neuron model) within the model's instruction budget.

AdEx's exponential
------------------
The term ``dt/tau ΔT exp((V - V_T)/ΔT)`` is a lookup table over ``V`` in
steps ``h = 2**sh`` LSBs of V (``exp_step`` mV, rounded to a power of two of
the LSB), from where it rounds to zero to where one step's jump reaches
``E_MAX`` = 64 mV (above it the table saturates: the neuron spikes anyway).
Two ways to read it (``exp="table"`` or ``"piecewise"``):

* ``"table"`` -- one ``LUT``: the value at the middle of the segment.  Relative
  error up to ``exp(h / (2 ΔT)) - 1 ≈ h / (2 ΔT)`` (3.2 % at h = ΔT/16);
* ``"piecewise"`` -- two ``LUT`` s (the segment's ends) and a linear
  interpolation (``ANDI``, ``SUB``, ``MUL``, ``ADD``: 7 instructions instead of 1).
  Relative error up to ``h**2 / (8 ΔT**2)`` (0.05 % at h = ΔT/16), the
  chord's error, plus the format's rounding.

:func:`exp_error` measures both on the emulated core against numpy's exp.
"""
from __future__ import annotations

import math

import numpy as np

from .fixed_point import Format, decay_factor, get_format
from .isa import BUDGET, MAX_SHIFT, Program

#: default bound on each variable's magnitude, from which its binary point is chosen
BOUNDS = {"V": 128.0, "u": 32.0, "z": 64.0}
#: AdEx: the exponential's table ends where one step's jump reaches this (mV)
E_MAX = 64.0
#: the largest lookup table (entries)
MAX_TABLE = 1024


def frac_bits_for(bound: float, bits: int) -> int:
    """Fraction bits that leave ``bound`` (magnitude) representable in a signed ``bits``-wide register."""
    if not (bound > 0 and math.isfinite(bound)):
        raise ValueError(f"bound must be > 0, got {bound!r}")
    return max(0, min(bits - 1, bits - 1 - int(math.ceil(math.log2(bound)))))


def variable_format(fmt: Format, frac: int, var: str) -> Format:
    """The format of one variable: the registers' width and overflow, with its own binary point."""
    if not (isinstance(frac, (int, np.integer)) and 0 <= frac < fmt.bits):
        raise ValueError(f"frac_bits of {var} must be an integer in [0, {fmt.bits - 1}] for {fmt.bits}-bit "
                         f"registers, got {frac!r}")
    q = f"Q{fmt.bits - 1 - frac}.{frac}"
    return Format(f"{q} ({var}, {fmt.bits}-bit)", fmt.bits, int(frac), fmt.overflow)


def constant(value: float, fmt: Format, name: str, unit: str = "") -> tuple[int, int]:
    """A real factor as ``(imm, sh)`` with ``value ≈ imm / 2**sh`` and ``imm`` fitting a register.

    ``sh`` is the largest shift (up to ``MAX_SHIFT``) that keeps ``|imm| <= fmt.max_int``.
    Raises ValueError naming the parameter when the factor is too large for a
    register (it would need a negative shift).
    """
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value == 0.0:
        return 0, 0
    sh = int(math.floor(math.log2(fmt.max_int / abs(value))))
    sh = min(sh, MAX_SHIFT)
    while sh >= 0 and abs(round(value * 2.0 ** sh)) > fmt.max_int:
        sh -= 1
    if sh < 0:
        u = f" {unit}" if unit else ""
        raise ValueError(f"{name} = {value:.6g}{u} does not fit a {fmt.bits}-bit constant (at most "
                         f"{fmt.max_int}): choose a finer format for the variable it scales or a smaller dt")
    return int(round(value * 2.0 ** sh)), sh


def _factor(value, f_in, f_out, fmt, name, unit=""):
    """MULI operands turning a variable with ``f_in`` fraction bits times ``value`` into ``f_out`` fraction bits."""
    return constant(value * 2.0 ** (f_out - f_in), fmt, name, unit)


def _check_dt(dt):
    if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    return float(dt)


def _fracs(fmt, frac_bits, names):
    out = {v: frac_bits_for(BOUNDS[v], fmt.bits) for v in names}
    for k, v in (frac_bits or {}).items():
        if k not in out:
            raise ValueError(f"frac_bits: unknown variable {k!r}; variables: {', '.join(names)}")
        out[k] = v
    return {k: variable_format(fmt, v, k) for k, v in out.items()}


class CompiledNeuron(Program):
    """A model compiled to a program: a core neuron model plus the conversions to and from its units.

    Attributes
    ----------
    model : the coursekit model
    dt : float
        Time step (ms).
    kind : str
        ``"lif"``, ``"izhikevich"`` or ``"adex"``.
    formats : dict
        Each state variable's :class:`Format` (``"V"``; ``"u"`` or ``"z"`` = R w).
    V_offset : float
        The voltage register holds ``V - V_offset`` (mV): V_rest for LIF and AdEx, 0 for Izhikevich.
    input_factor : float
        The input register's increment per step per unit of current, in mV
        (``(1 - exp(-dt/tau)) R`` for LIF, ``dt`` for Izhikevich, ``dt R / tau`` for AdEx).
    """

    def __init__(self, *args, model=None, dt=None, kind="", formats=None, V_offset=0.0, input_factor=1.0,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.model, self.dt, self.kind = model, dt, kind
        self.formats = dict(formats or {})
        self.V_offset, self.input_factor = float(V_offset), float(input_factor)

    def input_from_current(self, I, lfsr=None) -> np.ndarray:
        """Input current (pA for LIF and AdEx, the model's units for Izhikevich) -> the integer
        input per step (LSBs of V), rounded by the program's rounding, saturated or wrapped."""
        I = np.asarray(I, dtype=np.float64)
        if not np.all(np.isfinite(I)):
            raise ValueError("I must be finite")
        return self.formats["V"].quantize(self.input_factor * I, self.rounding, lfsr=lfsr)

    def voltage(self, q) -> np.ndarray:
        """Stored V register -> membrane potential (mV)."""
        return self.V_offset + self.formats["V"].to_float(q)

    def state_from(self, y) -> np.ndarray:
        """The register column (int64) for a float state ``y`` = (V, u) or (V, w) of the model (rounded)."""
        S = self.initial_state(1)[:, 0].copy()
        y = np.asarray(y, dtype=np.float64)
        S[self.registers.index("V")] = self.formats["V"].quantize(y[0] - self.V_offset)
        if self.kind == "izhikevich":
            S[self.registers.index("u")] = self.formats["u"].quantize(y[1])
        elif self.kind == "adex":
            S[self.registers.index("z")] = self.formats["z"].quantize(self.model.R * y[1])
        return S


# ---------------------------------------------------------------------------------- LIF
def compile_lif(model, dt: float, fmt="Q8.7", rounding: str = "nearest", decay: str = "multiply",
                decay_bits: int = 15) -> CompiledNeuron:
    """coursekit's LIF as a program: the same arithmetic as :class:`coursekit.bpu.FixedLIF`, bit for bit.

    ``V`` holds x = V - V_rest in ``fmt`` (its own binary point, as FixedLIF);
    one step (11 instructions, budget 12)::

        MULI   y, V, A, d          ; y = round(x exp(-dt/tau))    (decay="shift": SHR t, V, k; SUB y, V, t)
        ADD    y, y, in            ; + (1 - a) R I + synaptic input, saturate/wrap
        CMPLTI q, refractory, 1    ; q: not refractory
        CMPGEI s, y, theta         ; threshold
        MUL    s, s, q, 0          ; spike = crossed and not refractory
        SELI   V, q, y, x_reset    ; x = y, or x_reset while refractory
        RESET  V, s, x_reset
        ADD    refractory, refractory, q       ; counts down to 0 ...
        ADDI   refractory, refractory, -1
        RESET  refractory, s, n_ref            ; ... from n_ref after a spike
        SPIKE  s

    Parameters as :class:`coursekit.bpu.FixedLIF`.
    """
    from ..neurons import LIF

    if not isinstance(model, LIF):
        raise ValueError(f"model must be a coursekit.neurons.LIF, got {type(model).__name__}")
    dt = _check_dt(dt)
    f = get_format(fmt)
    if decay not in ("multiply", "shift"):
        raise ValueError(f"decay must be 'multiply' or 'shift', got {decay!r}")
    theta = f.encode(model.V_th - model.V_rest, "V_th - V_rest", "mV")
    x_reset = f.encode(model.V_reset - model.V_rest, "V_reset - V_rest", "mV")
    n_ref = int(round(model.t_ref / dt))
    if n_ref > f.max_int:
        raise ValueError(f"t_ref = {model.t_ref:g} ms is {n_ref} steps of dt = {dt:g} ms, more than a "
                         f"{f.bits}-bit counter holds ({f.max_int})")
    if decay == "multiply":
        if not (isinstance(decay_bits, (int, np.integer)) and 1 <= decay_bits <= f.bits - 1):
            raise ValueError(f"decay_bits must be an integer in [1, {f.bits - 1}] (the decay factor exp(-dt/tau) "
                             f"is a {f.bits}-bit constant), got {decay_bits!r}")
        A = decay_factor(model.tau, dt, int(decay_bits))
        alpha = A / 2.0 ** decay_bits
        head = [("MULI", "y", "V", A, int(decay_bits))]
    else:
        ratio = model.tau / dt
        k = int(round(math.log2(ratio))) if ratio >= 1.0 else 0
        if k < 1:
            raise ValueError(f"tau/dt = {ratio:g} gives a shift of {k} bits (decay to 0 in one step); "
                             "need tau/dt >= 1.5")
        alpha = 1.0 - 2.0 ** -k
        head = [("SHR", "t", "V", k), ("SUB", "y", "V", "t")]
    code = head + [
        ("ADD", "y", "y", "in"),
        ("CMPLTI", "q", "refractory", 1),
        ("CMPGEI", "s", "y", theta),
        ("MUL", "s", "s", "q", 0),
        ("SELI", "V", "q", "y", x_reset),
        ("RESET", "V", "s", x_reset),
        ("ADD", "refractory", "refractory", "q"),
        ("ADDI", "refractory", "refractory", -1),
        ("RESET", "refractory", "s", n_ref),
        ("SPIKE", "s"),
    ]
    prog = CompiledNeuron(("V", "refractory", "y", "t", "q", "s"), code, f, rounding, budget="lif",
                          name=f"LIF ({decay} decay)", frac_bits={"V": f.frac_bits, "y": f.frac_bits},
                          model=model, dt=dt, kind="lif", formats={"V": f}, V_offset=model.V_rest,
                          input_factor=(1.0 - alpha) * model.R)
    prog.alpha = alpha
    return prog


# ---------------------------------------------------------------------------------- Izhikevich
def _check_wrap_step(fv, V_th, jump, dt, what):
    """With wrap-around, one step from below threshold must stay in the register's range."""
    if fv.overflow == "wrap" and V_th + jump > fv.max_value:
        dt_ok = dt * (fv.max_value - V_th) / jump
        raise ValueError(f"dt = {dt:g} ms: one step of {what} can move V by up to {jump:.4g} mV from the "
                         f"threshold, beyond the range of {fv.name} ({fv.describe_range('mV')}), which wraps "
                         f"around; use dt <= {dt_ok:.3g} ms or a saturating format")


def compile_izhikevich(model, dt: float = 0.25, fmt="s16.15", rounding: str = "nearest",
                       frac_bits: dict | None = None, I_max: float = 20.0) -> CompiledNeuron:
    """Izhikevich (2003) as a program: forward Euler with step ``dt`` (ms), 18 instructions (budget 24).

    ``V`` (mV) and ``u`` each have their own binary point (:data:`BOUNDS`;
    ``frac_bits={"V": .., "u": ..}`` to override).  One step::

        MULI   t, V, 0.04 dt          ; Horner: ((0.04 dt V + 5 dt) V + 140 dt): no V**2 that overflows
        ADDI   t, t, 5 dt
        MUL    t, t, V, fV
        ADDI   t, t, 140 dt
        MULI   w, u, dt               ; u in V's format
        SUB    t, t, w
        ADD    t, t, in               ; + dt I + synaptic input
        ADD    t, t, V                ; V_new (V kept for u's update)
        MULI   w, V, a b dt           ; in u's format
        MULI   s, u, a dt
        SUB    w, w, s
        ADD    u, u, w                ; u_new = u + dt a (b V - u)
        MOV    V, t
        CMPGEI s, V, V_th             ; spike
        RESET  V, s, c
        ADDI   w, u, d
        SEL    u, s, w, u             ; u += d on a spike
        SPIKE  s

    ``I_max`` (model units) only enters the wrap-around check of ``dt``.

    The default ``dt`` = 0.25 ms keeps all seven cortical types of
    :mod:`coursekit.bpu.patterns` in 32-bit registers under every rounding;
    in 16 bits (V in Q7.8, u in Q5.10) a finer step is *worse* for the slow
    variable: ``dt a (b V - u)`` falls below u's LSB and rounds away (CH stops
    bursting at dt = 0.05 ms with rounding to nearest; see ``pattern_sweep``).
    """
    from ..neurons.izhikevich import Izhikevich

    if not isinstance(model, Izhikevich):
        raise ValueError(f"model must be a coursekit Izhikevich, got {type(model).__name__}")
    if model.t_ref != 0.0:
        raise ValueError(f"t_ref must be 0 ms for the compiled Izhikevich model (no refractory counter), "
                         f"got {model.t_ref:g}")
    dt = _check_dt(dt)
    f = get_format(fmt)
    F = _fracs(f, frac_bits, ("V", "u"))
    fv, fu = F["V"], F["u"]
    V_th = fv.encode(model.V_th, "V_th", "mV")
    c = fv.encode(model.c, "c", "mV")
    d = fu.encode(model.d, "d", "(u units)")
    fV, fU = fv.frac_bits, fu.frac_bits
    k1 = _factor(0.04 * dt, fV, fV, f, "0.04 dt", "1/mV")
    k2 = fv.encode(5.0 * dt, "5 dt", "mV")
    k3 = fv.encode(140.0 * dt, "140 dt", "mV")
    ku = _factor(dt, fU, fV, f, "dt (u -> V)", "ms")
    kab = _factor(model.a * model.b * dt, fV, fU, f, "a b dt")
    ka = _factor(model.a * dt, fU, fU, f, "a dt")
    jump = dt * ((0.04 * model.V_th + 5.0) * model.V_th + 140.0 + BOUNDS["u"] + abs(I_max))
    _check_wrap_step(fv, model.V_th, jump, dt, "Izhikevich's V")
    code = [
        ("MULI", "t", "V", *k1), ("ADDI", "t", "t", k2), ("MUL", "t", "t", "V", fV), ("ADDI", "t", "t", k3),
        ("MULI", "w", "u", *ku), ("SUB", "t", "t", "w"), ("ADD", "t", "t", "in"), ("ADD", "t", "t", "V"),
        ("MULI", "w", "V", *kab), ("MULI", "s", "u", *ka), ("SUB", "w", "w", "s"), ("ADD", "u", "u", "w"),
        ("MOV", "V", "t"),
        ("CMPGEI", "s", "V", V_th), ("RESET", "V", "s", c), ("ADDI", "w", "u", d), ("SEL", "u", "s", "w", "u"),
        ("SPIKE", "s"),
    ]
    y0 = model.initial_state()
    prog = CompiledNeuron(("V", "u", "t", "w", "s"), code, f, rounding, budget="izhikevich",
                          name="Izhikevich (Euler)", initial={"V": fv.quantize(y0[0]).item(),
                                                              "u": fu.quantize(y0[1]).item()},
                          frac_bits={"V": fV, "u": fU, "t": fV}, model=model, dt=dt, kind="izhikevich",
                          formats=F, V_offset=0.0, input_factor=dt)
    return prog


# ---------------------------------------------------------------------------------- AdEx
def _exp_tables(model, dt, fv, exp_step, method):
    """The exponential's tables: x0 (stored), shift, and the table(s) (int64)."""
    dT = model.delta_T
    scale = dt / model.tau * dT                      # mV per step at V = V_T
    lsb = fv.lsb
    if not (exp_step > 0 and math.isfinite(exp_step)):
        raise ValueError(f"exp_step must be > 0 mV, got {exp_step!r}")
    sh = max(0, int(round(math.log2(exp_step / lsb))))
    h = 2.0 ** sh * lsb                              # the segment (mV), a power of two of V's LSB
    x_T = model.V_T - model.V_rest
    u_lo = math.log(0.5 * lsb / scale)               # below: the term rounds to 0
    u_hi = math.log(E_MAX / scale)                   # above: one step jumps more than E_MAX
    x_lo = x_T + dT * u_lo
    x_lo = math.floor(x_lo / h) * h
    n = int(math.ceil((x_T + dT * u_hi - x_lo) / h)) + 1
    if n > MAX_TABLE:
        raise ValueError(f"exp_step = {exp_step:g} mV needs a table of {n} entries for the exponential, more "
                         f"than {MAX_TABLE}: use a larger exp_step")
    nodes = x_lo + h * np.arange(n + 1)
    E = lambda x: scale * np.exp((x - x_T) / dT)    # noqa: E731
    cap = fv.max_value
    if method == "table":
        tabs = {"exp": np.minimum(E(nodes[:-1] + 0.5 * h), cap)}
    else:
        ends = np.minimum(E(nodes), cap)
        tabs = {"exp": ends[:-1], "exp_next": np.concatenate([ends[1:-1], ends[-2:-1]])}
    tabs = {k: fv.quantize(v) for k, v in tabs.items()}
    x0 = fv.encode(x_lo, "the exponential's table start V_T - V_rest + ΔT ln(LSB / (2 dt ΔT / tau))", "mV")
    return x0, sh, h, tabs


def compile_adex(model, dt: float = 0.05, fmt="s16.15", rounding: str = "nearest",
                 frac_bits: dict | None = None, exp: str = "piecewise", exp_step: float | None = None
                 ) -> CompiledNeuron:
    """AdEx (Brette & Gerstner 2005) as a program: forward Euler with step ``dt`` (ms); budget 40.

    Registers ``V`` = V - V_rest (mV) and ``z`` = R w (mV: the adaptation
    current as the voltage it subtracts), each with its own binary point.  One
    step (15 instructions with ``exp="table"``, 21 with ``"piecewise"``)::

        MULI  t, V, 1 - dt/tau          ; leak
        MULI  e, z, dt/tau              ; - R w
        SUB   t, t, e
        ADD   t, t, in                  ; + dt R I / tau + synaptic input
        LUT   ex, V, exp, sh, x0        ; dt ΔT exp((V - V_T)/ΔT) / tau     ("table")
        ...                             ; or two LUTs and a linear interpolation ("piecewise")
        ADD   t, t, ex                  ; V_new
        MULI  e, V, R a dt/tau_w        ; z_new = z (1 - dt/tau_w) + dt R a (V - V_rest) / tau_w
        MULI  s, z, 1 - dt/tau_w
        ADD   z, s, e
        MOV   V, t
        CMPGEI s, V, V_th - V_rest
        RESET V, s, V_reset - V_rest
        ADDI  e, z, R b
        SEL   z, s, e, z
        SPIKE s

    ``exp_step`` (mV) is the table's segment, default ΔT/16 (rounded to a power
    of two of V's LSB); see the module docstring for the two methods' errors.
    """
    from ..neurons.adex import AdEx

    if not isinstance(model, AdEx):
        raise ValueError(f"model must be a coursekit AdEx, got {type(model).__name__}")
    if model.t_ref != 0.0:
        raise ValueError(f"t_ref must be 0 ms for the compiled AdEx model (no refractory counter), "
                         f"got {model.t_ref:g}")
    if exp not in ("table", "piecewise"):
        raise ValueError(f"exp must be 'table' or 'piecewise', got {exp!r}")
    dt = _check_dt(dt)
    f = get_format(fmt)
    F = _fracs(f, frac_bits, ("V", "z"))
    fv, fz = F["V"], F["z"]
    fV, fZ = fv.frac_bits, fz.frac_bits
    x_th = fv.encode(model.V_th - model.V_rest, "V_th - V_rest", "mV")
    x_reset = fv.encode(model.V_reset - model.V_rest, "V_reset - V_rest", "mV")
    Rb = fz.encode(model.R * model.b, "R b", "mV")
    x0, sh, h, tabs = _exp_tables(model, dt, fv, model.delta_T / 16.0 if exp_step is None else exp_step, exp)
    leak = _factor(1.0 - dt / model.tau, fV, fV, f, "1 - dt/tau")
    kz = _factor(dt / model.tau, fZ, fV, f, "dt/tau (R w -> V)", "1")
    ka = _factor(model.R * model.a * dt / model.tau_w, fV, fZ, f, "R a dt/tau_w")
    kw = _factor(1.0 - dt / model.tau_w, fZ, fZ, f, "1 - dt/tau_w")
    jump = E_MAX + dt / model.tau * (BOUNDS["z"] + abs(model.V_th - model.V_rest))
    _check_wrap_step(fv, model.V_th - model.V_rest, jump, dt, "AdEx's V")
    if exp == "table":
        expo = [("LUT", "ex", "V", "exp", sh, x0)]
    else:
        expo = [("LUT", "ex", "V", "exp", sh, x0), ("LUT", "f1", "V", "exp_next", sh, x0),
                ("SUB", "f1", "f1", "ex"), ("ADDI", "r", "V", -x0), ("ANDI", "r", "r", (1 << sh) - 1),
                ("MUL", "f1", "f1", "r", sh), ("ADD", "ex", "ex", "f1")]
    code = ([("MULI", "t", "V", *leak), ("MULI", "e", "z", *kz), ("SUB", "t", "t", "e"), ("ADD", "t", "t", "in")]
            + expo +
            [("ADD", "t", "t", "ex"), ("MULI", "e", "V", *ka), ("MULI", "s", "z", *kw), ("ADD", "z", "s", "e"),
             ("MOV", "V", "t"), ("CMPGEI", "s", "V", x_th), ("RESET", "V", "s", x_reset),
             ("ADDI", "e", "z", Rb), ("SEL", "z", "s", "e", "z"), ("SPIKE", "s")])
    regs = ("V", "z", "t", "e", "ex", "s") + (("f1", "r") if exp == "piecewise" else ())
    prog = CompiledNeuron(regs, code, f, rounding, tables=tabs, budget="adex", name=f"AdEx (Euler, {exp} exp)",
                          frac_bits={"V": fV, "z": fZ, "t": fV, "ex": fV}, model=model, dt=dt, kind="adex",
                          formats=F, V_offset=model.V_rest, input_factor=dt * model.R / model.tau)
    prog.exp_method, prog.exp_segment = exp, h
    return prog


def compile_model(model, dt: float, fmt="s16.15", **options) -> CompiledNeuron:
    """Compile a LIF, Izhikevich or AdEx model (dispatch to :func:`compile_lif`, ...)."""
    from ..neurons import LIF
    from ..neurons.adex import AdEx
    from ..neurons.izhikevich import Izhikevich

    if isinstance(model, LIF):
        return compile_lif(model, dt, fmt, **options)
    if isinstance(model, Izhikevich):
        return compile_izhikevich(model, dt, fmt, **options)
    if isinstance(model, AdEx):
        return compile_adex(model, dt, fmt, **options)
    raise ValueError(f"model must be a coursekit LIF, Izhikevich or AdEx to be compiled, got {type(model).__name__}")


def exp_error(model, dt: float = 0.05, fmt="s16.15", exp: str = "piecewise", exp_step: float | None = None,
              n: int = 1024) -> dict:
    """Measured error of the compiled exponential against numpy's, over its working range.

    Runs one step of the compiled AdEx on a core of ``n`` neurons whose V
    registers span the table (from where the term is 2**16 LSBs, or E_MAX/100 in a
    narrow format, to where it reaches ``E_MAX``), and reads the ``ex`` register.  Returns ``max_rel_error``
    (the largest |approx / exact - 1|), ``bound`` (``exp(h/(2ΔT)) - 1`` for the
    table, the chord's largest relative error, about ``h**2/(8 ΔT**2)``, for
    piecewise; both without the format's rounding), the
    segment ``h`` (mV), the table entries and the instruction count.
    """
    from .core import Core

    prog = compile_adex(model, dt, fmt, exp=exp, exp_step=exp_step)
    fv = prog.formats["V"]
    dT = model.delta_T
    scale = dt / model.tau * dT
    x_T = model.V_T - model.V_rest
    low = min(2.0 ** 16 * fv.lsb, E_MAX / 100.0)   # where the entries' rounding (half an LSB) is negligible
    u = np.linspace(math.log(low / scale), math.log(0.999 * E_MAX / scale), n)
    q = fv.quantize(x_T + dT * u)
    core = Core(prog, n)
    core.state[prog.registers.index("V")] = q
    res = core.run(1, record="all")
    approx = fv.to_float(res.state("ex")[0])
    exact = scale * np.exp((fv.to_float(q) - x_T) / dT)
    h = prog.exp_segment
    H = h / dT
    if exp == "table":
        bound = math.exp(H / 2) - 1.0
    else:   # the chord of exp over one segment, at its worst point t* (about H**2 / 8)
        ts = 1.0 / H - 1.0 / math.expm1(H)
        bound = ((1.0 - ts) + ts * math.exp(H)) * math.exp(-ts * H) - 1.0
    return dict(max_rel_error=float(np.max(np.abs(approx / exact - 1.0))), bound=bound, h=h,
                entries=int(sum(prog.table_len[:len(prog.table_names)])), instructions=prog.n_instructions)


__all__ = ["CompiledNeuron", "compile_lif", "compile_izhikevich", "compile_adex", "compile_model", "exp_error",
           "frac_bits_for", "variable_format", "constant", "BOUNDS", "E_MAX", "MAX_TABLE", "BUDGET"]
