"""What the chip's arithmetic costs: the fixed-point LIF against coursekit's float64 LIF.

One neuron, one input current, two simulations: :class:`coursekit.bpu.FixedLIF`
on a core (a format, a rounding, a decay, a time step) and coursekit's
float64 :func:`coursekit.simulate` of the same :class:`coursekit.neurons.LIF`
(exponential Euler, exact for an input held over each step, spike times
interpolated inside the step) at a finer step ``dt_reference``.  Measured:

* spike counts and their difference (fixed - float);
* first-spike times and their difference (ms).  With exact arithmetic the
  emulator reports a spike at the end of the step in which V crossed, so the
  difference lies in [0, dt): what is outside is the arithmetic's doing;
* the RMS of the membrane difference at the emulator's step ends (mV), over
  the whole run and over the subthreshold part before either first spike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .core import Core
from .fixed_point import ROUNDING, get_format
from .lif import FixedLIF


@dataclass(frozen=True)
class LIFError:
    """Errors of one fixed-point configuration (see the module docstring).

    Times in ms, voltages in mV; a first-spike time is NaN when there is no spike.
    """

    format: str
    rounding: str
    decay: str
    dt: float
    n_spikes_float: int
    n_spikes_fixed: int
    first_spike_float: float
    first_spike_fixed: float
    v_rms: float
    v_rms_subthreshold: float

    @property
    def spike_count_mismatch(self) -> int:
        """n_spikes_fixed - n_spikes_float."""
        return self.n_spikes_fixed - self.n_spikes_float

    @property
    def first_spike_mismatch(self) -> float:
        """first_spike_fixed - first_spike_float (ms); NaN if either has no spike."""
        return self.first_spike_fixed - self.first_spike_float

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["spike_count_mismatch"] = self.spike_count_mismatch
        d["first_spike_mismatch"] = self.first_spike_mismatch
        return d


def _steps(duration, dt, what="dt") -> int:
    n = int(round(duration / dt))
    if n < 1 or abs(n * dt - duration) > 1e-9 * max(1.0, duration):
        raise ValueError(f"duration ({duration:g} ms) must be a positive multiple of {what} ({dt:g} ms)")
    return n


def lif_error(model=None, I=0.0, duration: float = 200.0, dt: float = 0.1, fmt="Q8.7", rounding: str = "nearest",
              decay: str = "multiply", decay_bits: int = 15, dt_reference: float | None = None,
              seed: int = 0xACE1) -> LIFError:
    """Compare the fixed-point LIF with coursekit's float64 LIF.

    Parameters
    ----------
    model : coursekit.neurons.LIF, optional
        The neuron (default ``LIF()``).
    I : float or array
        Input current (pA): a number, or one value per emulator step (held over the step).
    duration : float
        Simulated time (ms), a multiple of ``dt``.
    dt : float
        The emulator's time step (ms).
    fmt, rounding, decay, decay_bits :
        The fixed-point configuration (see :class:`FixedLIF`).
    dt_reference : float, optional
        Step of the float64 reference (ms), ``dt`` divided by a whole number;
        default ``dt / 10``.
    seed : int
        Seed of the core's LFSR (stochastic rounding).
    """
    from .. import simulate
    from ..neurons import LIF

    model = LIF() if model is None else model
    if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    n = _steps(duration, dt)
    dt_ref = dt / 10.0 if dt_reference is None else float(dt_reference)
    m = int(round(dt / dt_ref))
    if m < 1 or abs(m * dt_ref - dt) > 1e-9 * dt:
        raise ValueError(f"dt_reference must be dt = {dt:g} ms divided by a whole number, got {dt_reference!r}")
    I_arr = np.asarray(I, dtype=np.float64)
    if I_arr.ndim and I_arr.shape != (n,):
        raise ValueError(f"I must be a number or have one value per step, shape ({n},) (pA), got {I_arr.shape}")
    if not np.all(np.isfinite(I_arr)):
        raise ValueError("I must be finite (pA)")

    neuron = FixedLIF(model, dt, fmt, rounding, decay, decay_bits)
    core = Core(neuron, 1, seed=seed)
    b = neuron.input_from_current(I_arr if I_arr.ndim == 0 else I_arr[:, None], lfsr=core.lfsr)
    res = core.run(n, current=b if b.ndim == 0 else b.reshape(n, 1), record=[0])
    V_fixed = neuron.voltage(res.state("x")[:, 0])
    spk_fixed = (res.spike_steps(0) + 1) * dt

    I_ref = float(I_arr) if I_arr.ndim == 0 else np.repeat(I_arr, m)
    ref = simulate(model, n * m * dt_ref, dt_ref, I=I_ref, method="exponential_euler")
    V_float = ref.V[m::m][:n]
    spk_float = np.asarray(ref.spike_times, dtype=np.float64)

    first_fixed = float(spk_fixed[0]) if spk_fixed.size else math.nan
    first_float = float(spk_float[0]) if spk_float.size else math.nan
    diff = V_fixed - V_float
    t_end = np.nanmin([first_fixed, first_float, n * dt + dt])
    sub = (np.arange(1, n + 1) * dt) < t_end - 1e-12
    return LIFError(format=neuron.fmt.name, rounding=rounding, decay=decay, dt=float(dt),
                    n_spikes_float=int(spk_float.size), n_spikes_fixed=int(spk_fixed.size),
                    first_spike_float=first_float, first_spike_fixed=first_fixed,
                    v_rms=float(np.sqrt(np.mean(diff ** 2))),
                    v_rms_subthreshold=float(np.sqrt(np.mean(diff[sub] ** 2))) if sub.any() else math.nan)


def error_sweep(model=None, I=0.0, duration: float = 200.0, formats=("Q8.7", "Q10.5", "s16.15"),
                roundings=ROUNDING, dts=(0.1,), decay: str = "multiply", decay_bits: int = 15,
                dt_reference: float | None = None) -> list[LIFError]:
    """:func:`lif_error` for every combination of format, rounding and time step.

    ``dt_reference`` defaults to the smallest ``dt`` divided by 10, one
    reference for the whole sweep, so rows at different ``dt`` compare against
    the same float solution.  A configuration whose parameters do not fit its
    format raises ValueError (naming the parameter and the format).
    """
    dts = tuple(float(d) for d in dts)
    if not dts:
        raise ValueError("dts must hold at least one time step (ms)")
    dt_ref = min(dts) / 10.0 if dt_reference is None else float(dt_reference)
    rows = []
    for fmt in formats:
        get_format(fmt)
        for dt in dts:
            for rounding in roundings:
                rows.append(lif_error(model, I, duration, dt, fmt, rounding, decay, decay_bits, dt_ref))
    return rows
