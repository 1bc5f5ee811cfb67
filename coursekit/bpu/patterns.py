"""Firing patterns on the emulated core: run a compiled preset, name its pattern, sweep formats and steps.

The criterion for each pattern is the one coursekit's float tests use, so a
pattern "reproduced on the chip" means the same measurement says the same thing:

* the cortical types RS, IB, CH, FS (Izhikevich 2003, Fig. 2) and the AdEx
  rows of Neuronal Dynamics Table 6.1 -- :func:`coursekit.analysis.firing_patterns.classify_firing_pattern`
  (RS adapting, IB initial_burst, CH bursting, FS tonic, onset 20 ms; each AdEx
  preset its own name, onset 0), as ``tests/test_firing_patterns.py`` does;
* TC, RZ and LTS, which the classifier does not name -- the protocol criteria of
  :mod:`coursekit.analysis.firing_patterns` that ``tests/test_presets.py`` uses too (TC: tonic when
  depolarised, silent when hyperpolarised, a rebound burst on release; RZ: no
  spike and damped ringing at the linear frequency of the resting focus,
  within 5 %; LTS: adapting under drive, silent when hyperpolarised, a rebound
  spike).

A chip step ``k`` covers ``[k dt, (k + 1) dt)``; its input is the stimulus at
``k dt`` (as forward Euler samples it) and a spike in it is dated ``(k + 1) dt``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiler import compile_model
from .core import Core

#: the label classify_firing_pattern must give each classified preset, and the stimulus onset (ms)
IZHIKEVICH_LABELS = {"RS": "adapting", "IB": "initial_burst", "CH": "bursting", "FS": "tonic"}
IZHIKEVICH_ONSET = 20.0
IZHIKEVICH_CRITERIA = ("TC", "RZ", "LTS")


@dataclass
class ChipRun:
    """A preset run on one emulated core.

    Attributes: ``spike_times`` (ms), ``t`` (ms, the end of each step), ``V``
    (mV after each step), ``program`` (the :class:`CompiledNeuron`), ``duration`` (ms).
    """

    spike_times: np.ndarray
    t: np.ndarray
    V: np.ndarray
    program: object
    duration: float


def _preset(kind, name, **overrides):
    from ..neurons.adex import AdEx
    from ..neurons.izhikevich import Izhikevich

    cls = {"izhikevich": Izhikevich, "adex": AdEx}.get(kind)
    if cls is None:
        raise ValueError(f"kind must be 'izhikevich' or 'adex', got {kind!r}")
    if name not in cls.presets:
        raise ValueError(f"unknown {kind} preset {name!r}; choose one of {', '.join(cls.presets)}")
    return cls.preset(name, **overrides), cls.preset_protocol(name)


#: the default step of each kind (ms): all seven Izhikevich types and all seven AdEx patterns hold at it in s16.15
DEFAULT_DT = {"izhikevich": 0.25, "adex": 0.05}


def run_preset(kind: str, name: str, dt: float | None = None, fmt="s16.15", **compile_options) -> ChipRun:
    """Compile a preset (``kind`` = "izhikevich" or "adex") and run its protocol on a one-neuron core.

    ``dt`` (ms) defaults to :data:`DEFAULT_DT`; ``compile_options`` go to the
    compiler (``rounding``, ``frac_bits``, ``exp``, ``exp_step``).
    """
    model, proto = _preset(kind, name)
    dt = DEFAULT_DT[kind] if dt is None else dt
    prog = compile_model(model, dt, fmt, **compile_options)
    duration = proto["duration"]
    steps = int(round(duration / dt))
    t = np.arange(steps) * dt
    I = proto["I"](t) if callable(proto["I"]) else np.full(steps, float(proto["I"]))
    cur = prog.input_from_current(np.broadcast_to(I, (steps,)))[:, None]
    core = Core(prog, 1)
    if "y0" in proto:
        core.state[:, 0] = prog.state_from(proto["y0"])
    res = core.run(steps, current=cur, record=[0])
    V = prog.voltage(res.state("V")[:, 0])
    tend = (np.arange(steps) + 1) * dt
    return ChipRun(tend[res.spikes[:, 0]], tend, V, prog, duration)


def criterion(name: str, run: ChipRun) -> bool:
    """Does the run show the preset's pattern, by the float tests' criterion (module docstring)?"""
    from ..analysis import firing_patterns as fp
    from ..neurons.adex import AdEx
    from ..neurons.izhikevich import Izhikevich

    st = run.spike_times
    if name in IZHIKEVICH_LABELS:
        return fp.classify_firing_pattern(st, run.duration, IZHIKEVICH_ONSET) == IZHIKEVICH_LABELS[name]
    if name == "TC":
        return fp.thalamocortical_holds(st)
    if name == "RZ":
        return fp.resonator_holds(st, run.t, run.V, run.program.model, Izhikevich.preset_protocol("RZ")["y0"])
    if name == "LTS":
        return fp.low_threshold_spiking_holds(st)
    if name in AdEx.presets:
        return fp.classify_firing_pattern(st, run.duration, 0.0) == name
    raise ValueError(f"no criterion for {name!r}")


def label(name: str, run: ChipRun) -> str:
    """What the classifier calls the run (for the classified presets), else "holds"/"broken"."""
    from ..analysis.firing_patterns import classify_firing_pattern
    from ..neurons.adex import AdEx

    if name in IZHIKEVICH_LABELS:
        return classify_firing_pattern(run.spike_times, run.duration, IZHIKEVICH_ONSET)
    if name in AdEx.presets:
        return classify_firing_pattern(run.spike_times, run.duration, 0.0)
    return "holds" if criterion(name, run) else "broken"


def pattern_sweep(kind: str, name: str, formats=("s16.15", "Q8.7"), dts=(0.05, 0.1, 0.25), **compile_options):
    """Where does a pattern survive?  Run the preset for every format and step.

    Returns a list of dicts ``fmt, dt, holds, label, n_spikes, error`` (``error``:
    the compiler's message when a parameter does not fit, then ``holds`` is False
    and ``label`` is "does not fit").
    """
    rows = []
    for fmt in formats:
        for dt in dts:
            try:
                r = run_preset(kind, name, dt, fmt, **compile_options)
            except ValueError as err:
                rows.append(dict(fmt=str(fmt), dt=dt, holds=False, label="does not fit", n_spikes=0,
                                 error=str(err)))
                continue
            rows.append(dict(fmt=str(fmt), dt=dt, holds=criterion(name, r), label=label(name, r),
                             n_spikes=int(r.spike_times.size), error=""))
    return rows


__all__ = ["DEFAULT_DT", "ChipRun", "run_preset", "criterion", "label", "pattern_sweep", "IZHIKEVICH_LABELS"]
