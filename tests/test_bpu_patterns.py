"""coursekit.bpu.patterns: the Izhikevich cortical types and the AdEx patterns reproduced on the emulated core,
each by the criterion coursekit's float tests use; the formats and steps where one breaks."""
import numpy as np
import pytest

from coursekit.bpu.patterns import DEFAULT_DT, criterion, label, pattern_sweep, run_preset
from coursekit.neurons.adex import AdEx

IZHIKEVICH = ("RS", "IB", "CH", "FS", "TC", "RZ", "LTS")


@pytest.mark.parametrize("name", IZHIKEVICH)
def test_izhikevich_types_on_the_core(name):
    run = run_preset("izhikevich", name)               # 32-bit registers, dt = 0.25 ms, rounding to nearest
    assert run.program.dt == DEFAULT_DT["izhikevich"] == 0.25
    assert criterion(name, run), (name, label(name, run), run.spike_times[:20])
    if name == "RZ":
        assert run.spike_times.size == 0 and np.ptp(run.V[run.t > 60.0]) > 0.1   # it rings, it does not fire


def test_the_criteria_can_fail():
    # negative controls: each criterion rejects another type's run on the same core
    runs = {n: run_preset("izhikevich", n) for n in IZHIKEVICH}
    for name, other in (("RS", "FS"), ("IB", "RS"), ("CH", "IB"), ("FS", "RS"), ("TC", "RS"), ("RZ", "TC"),
                        ("LTS", "FS")):
        runs[other].program.model, keep = runs[name].program.model, runs[other].program.model
        try:
            assert not criterion(name, runs[other]), (name, other)
        finally:
            runs[other].program.model = keep


@pytest.mark.parametrize("name", list(AdEx.presets))
def test_adex_patterns_on_the_core(name):
    run = run_preset("adex", name)                     # 32-bit registers, dt = 0.05 ms, piecewise exponential
    assert label(name, run) == name


def test_sweep_finds_where_chattering_breaks():
    rows = pattern_sweep("izhikevich", "CH", formats=("s16.15", "Q8.7"), dts=(0.05, 0.25))
    got = {(r["fmt"], r["dt"]): (r["holds"], r["label"]) for r in rows}
    assert got[("s16.15", 0.05)] == (True, "bursting") and got[("s16.15", 0.25)] == (True, "bursting")
    assert got[("Q8.7", 0.25)] == (True, "bursting")
    # int16 at the fine step: u's increments dt a (b V - u) round away within |b V - u| < 2^-10 / (2 dt a),
    # 0.49 at dt = 0.05 ms but 0.1 at 0.25 ms (u's LSB is 2^-10)
    assert got[("Q8.7", 0.05)][0] is False and got[("Q8.7", 0.05)][1] != "bursting"
    # a parameter that does not fit is reported, not simulated
    bad = pattern_sweep("izhikevich", "CH", formats=("Q8.7",), dts=(0.25,), frac_bits={"V": 10})
    assert bad[0]["label"] == "does not fit" and "c = -50 mV does not fit" in bad[0]["error"]


@pytest.mark.slow
def test_full_sweep_32_bits_hold_every_type_at_coarse_steps_under_every_rounding():
    for rounding in ("nearest", "truncate", "stochastic"):
        for name in IZHIKEVICH:
            rows = pattern_sweep("izhikevich", name, ("s16.15",), (0.2, 0.25, 0.3, 0.5), rounding=rounding)
            assert all(r["holds"] for r in rows), (rounding, name, rows)
        for name in AdEx.presets:
            for exp in ("table", "piecewise"):
                rows = pattern_sweep("adex", name, ("s16.15",), (0.05,), rounding=rounding, exp=exp)
                assert all(r["holds"] for r in rows), (rounding, name, exp, rows)
