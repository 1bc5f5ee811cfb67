"""Classic excitability protocols on a spiking model: refractoriness, anode break, accommodation.

Each function runs one stated stimulation protocol with :func:`coursekit.simulate`
and returns a plain number, so that a lecture can name the protocol that
belongs to each threshold it quotes:

* :func:`second_spike` -- paired pulses: can a second pulse, ``delay`` ms
  after the first spike, fire a second action potential?  (Refractory
  periods; Hodgkin & Huxley 1952d, "Refractory period".)
* :func:`rebound_spikes` -- anode-break excitation: spikes fired on release
  from a hyperpolarising current (Hodgkin & Huxley 1952d, "Anode break
  excitation").
* :func:`ramp_first_spike` -- accommodation: the input reached when a
  linearly rising current fires its first spike (Hodgkin & Huxley 1952d,
  "Accommodation"; a slow enough ramp fires late or never).

The model's spike detection (an upward crossing of ``V_spike``, 0 mV for HH)
counts spikes.  Currents in the model's input unit (uA/cm^2 for HH), times in ms.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["second_spike", "rebound_spikes", "ramp_first_spike"]

#: start of the first stimulus in every protocol (ms): the model sits at rest before it
_ONSET = 2.0


def _number(value, name, unit, *, positive=False, negative=False, nonnegative=False):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number ({unit}), got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite ({unit}), got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0 {unit}, got {value:g}")
    if negative and not value < 0:
        raise ValueError(f"{name} must be < 0 {unit} (a hyperpolarising current), got {value:g}")
    if nonnegative and not value >= 0:
        raise ValueError(f"{name} must be >= 0 {unit}, got {value:g}")
    return value


def _grid(t, dt):
    """``t`` rounded up to the simulation grid (a step input switches at grid times)."""
    return math.ceil(t / dt - 1e-9) * dt


def _spike_model(model):
    from ..neurons.base import Model

    if not isinstance(model, Model) or model.spike_variable is None:
        raise ValueError(f"model must be a coursekit spiking model, got {type(model).__name__}")


def second_spike(model, delay, amplitude, *, width=1.0, conditioning=20.0, dt=0.01) -> bool:
    """Whether a test pulse ``delay`` ms after a spike fires a second action potential.

    Protocol: from rest, a conditioning pulse (``conditioning``, ``width`` ms,
    from t = 2 ms) fires a spike at t1 (its upward crossing of ``V_spike``).  A
    test pulse of ``amplitude`` for ``width`` ms starts at t1 + ``delay``
    (rounded up to the step ``dt``).  It fires an action potential if, after
    its onset (and after the first spike's peak), V is above ``V_spike`` while
    the membrane's own current is inward: dV/dt evaluated with the stimulus
    switched off is positive, so the Na current, not the pulse, drives V up.
    (A strong pulse charges a refractory membrane above 0 mV by itself, against
    an outward net current; counting such crossings as spikes would leave no
    absolute refractory period at all.  A pulse so strong that it drives V
    beyond E_Na is not excitation either.)

    Parameters
    ----------
    model : Model
        A spiking model (HodgkinHuxley).
    delay : float
        Time from the first spike to the test pulse's onset (ms), >= 0.
    amplitude : float
        Test-pulse amplitude (the model's input unit), >= 0.
    width : float
        Duration of both pulses (ms).
    conditioning : float
        Amplitude of the first pulse; it must fire a spike.
    dt : float
        Time step (ms) of the RK4 simulation.

    Returns
    -------
    bool
    """
    from ..inputs import step
    from ..simulation import simulate

    _spike_model(model)
    delay = _number(delay, "delay", "ms", nonnegative=True)
    amplitude = _number(amplitude, "amplitude", "(the model's current unit)", nonnegative=True)
    width = _number(width, "width", "ms", positive=True)
    conditioning = _number(conditioning, "conditioning", "(the model's current unit)", positive=True)
    dt = _number(dt, "dt", "ms", positive=True)
    first = step(conditioning, _ONSET, _ONSET + width)
    probe = simulate(model, _grid(_ONSET + width + 10.0, dt), dt=dt, I=first, check_stability=False)
    if probe.n_spikes == 0:
        raise ValueError(f"the conditioning pulse ({conditioning:g} for {width:g} ms) fires no spike; raise it")
    iv = model.state_index(model.spike_variable)
    t_peak = probe.t[int(np.argmax(probe.y[iv]))]
    on = _grid(probe.spike_times[0] + delay, dt)
    off = on + _grid(width, dt)
    res = simulate(model, _grid(off + 15.0, dt), dt=dt, I=first + step(amplitude, on, off), check_stability=False)
    y = res.y[:, res.t >= max(on, t_peak) - 0.5 * dt]
    own = model.derivative(y)[iv]  # dV/dt with the stimulus off: > 0 where the membrane current is inward
    return bool(np.any((y[iv] > model.V_spike) & (own > 0)))


def rebound_spikes(model, I_hyper, duration, *, after=50.0, dt=0.01) -> int:
    """Spikes fired after release from a hyperpolarising current step (anode break).

    Protocol: from rest, a current ``I_hyper`` < 0 from t = 2 ms for
    ``duration`` ms, then I = 0 for ``after`` ms.  Returns the number of spikes
    after the release (none can occur before it).

    Parameters
    ----------
    I_hyper : float
        The hyperpolarising current (< 0, the model's input unit).
    duration : float
        How long it is applied (ms), > 0.
    after : float
        Time observed after the release (ms).
    """
    from ..inputs import step
    from ..simulation import simulate

    _spike_model(model)
    I_hyper = _number(I_hyper, "I_hyper", "(the model's current unit)", negative=True)
    duration = _number(duration, "duration", "ms", positive=True)
    after = _number(after, "after", "ms", positive=True)
    dt = _number(dt, "dt", "ms", positive=True)
    release = _grid(_ONSET + duration, dt)
    res = simulate(model, _grid(release + after, dt), dt=dt, I=step(I_hyper, _ONSET, release),
                   check_stability=False)
    return int(np.count_nonzero(res.spike_times >= release))


def ramp_first_spike(model, I_max, ramp_time, *, hold=50.0, dt=0.01) -> float:
    """The input at the first spike of a current ramp from 0 to ``I_max`` (accommodation).

    Protocol: from rest, I rises linearly from 0 at t = 2 ms to ``I_max`` at
    t = 2 + ``ramp_time`` ms and stays there for ``hold`` ms.  Returns the
    input at the first spike (``I_max`` if it fires during the hold), or
    ``math.inf`` if it never fires.

    Parameters
    ----------
    I_max : float
        Final input (> 0, the model's input unit).
    ramp_time : float
        Duration of the rise (ms), > 0: the slope is ``I_max / ramp_time``.
    hold : float
        Time at ``I_max`` after the ramp (ms), >= 0.
    """
    from ..inputs import ramp
    from ..simulation import simulate

    _spike_model(model)
    I_max = _number(I_max, "I_max", "(the model's current unit)", positive=True)
    ramp_time = _number(ramp_time, "ramp_time", "ms", positive=True)
    hold = _number(hold, "hold", "ms", nonnegative=True)
    dt = _number(dt, "dt", "ms", positive=True)
    end = _ONSET + ramp_time
    current = ramp(0.0, I_max, _ONSET, end)  # held at I_max after the ramp
    res = simulate(model, _grid(end + hold, dt), dt=dt, I=current, check_stability=False, record_every=10)
    if res.n_spikes == 0:
        return math.inf
    t1 = float(res.spike_times[0])
    return float(I_max * min(max(t1 - _ONSET, 0.0) / ramp_time, 1.0))
