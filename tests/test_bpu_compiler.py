"""coursekit.bpu.compiler: the compiled LIF is FixedLIF bit for bit; Izhikevich's and AdEx's programs against
their Euler step written out in float64; the parameter that does not fit is named; the exponential's two
approximations against their error bounds."""
import math

import numpy as np
import pytest

from coursekit.bpu import Core, FixedLIF, Weights, int16
from coursekit.bpu.compiler import (compile_adex, compile_izhikevich, compile_lif, compile_model, exp_error,
                                    frac_bits_for)
from coursekit.neurons import LIF
from coursekit.neurons.adex import AdEx
from coursekit.neurons.izhikevich import Izhikevich


def _network_run(neuron, cur, rec, steps=300):
    core = Core(neuron, cur.shape[1], recurrent=Weights(rec, 0))
    res = core.run(steps, current=cur, record="all")
    return res.spikes, res.state("x" if isinstance(neuron, FixedLIF) else "V"), res.state("refractory")


@pytest.mark.parametrize("fmt, rounding, decay", [
    ("Q8.7", "nearest", "multiply"), ("Q8.7", "truncate", "shift"), ("Q5.10", "toward_zero", "multiply"),
    ("Q8.7", "stochastic", "multiply"), (int16(7, "wrap"), "truncate", "multiply"), ("s16.15", "nearest", "shift")])
def test_compiled_lif_equals_fixed_lif_bit_for_bit(fmt, rounding, decay):
    model = LIF(t_ref=2.0)
    fixed = FixedLIF(model, 0.1, fmt, rounding, decay)
    prog = compile_lif(model, 0.1, fmt, rounding, decay)
    rng = np.random.default_rng(3)
    n = 40
    rec = rng.integers(-60, 90, (n, n)) * (rng.random((n, n)) < 0.25)
    base = fixed.input_from_current(rng.uniform(0.0, 450.0, n))
    cur = (base[None, :] + rng.integers(-300, 300, (300, n))).astype(np.int64)
    if str(fmt).startswith("Q8.7") and rounding == "truncate":
        cur[100:120] += 30000                       # drive into saturation (or wrap-around)
    spikes_f, x_f, ref_f = _network_run(fixed, cur, rec)
    spikes_p, x_p, ref_p = _network_run(prog, cur, rec)
    assert spikes_f.sum() > 20                      # the comparison covers spikes, refractoriness, resets
    assert np.array_equal(spikes_f, spikes_p)
    assert np.array_equal(x_f, x_p) and np.array_equal(ref_f, ref_p)
    assert prog.n_instructions <= prog.budget == 12


def test_compiled_lif_input_conversion_is_fixed_lifs():
    model = LIF()
    I = np.linspace(-200.0, 600.0, 17)
    assert np.array_equal(FixedLIF(model, 0.1, "Q8.7").input_from_current(I),
                          compile_lif(model, 0.1, "Q8.7").input_from_current(I))


def _izh_euler(model, V, u, I, dt):
    """Izhikevich (2003) Eqs. 1-3, one forward-Euler step in float64."""
    Vn = V + dt * (0.04 * V * V + 5 * V + 140 - u + I)
    un = u + dt * model.a * (model.b * V - u)
    spike = Vn >= model.V_th
    return np.where(spike, model.c, Vn), np.where(spike, un + model.d, un), spike


def test_izhikevich_program_is_the_euler_step_to_within_rounding():
    model = Izhikevich.preset("CH")
    dt = 0.25
    prog = compile_izhikevich(model, dt, "s16.15")
    rng = np.random.default_rng(0)
    n = 200
    V = rng.uniform(-80.0, 29.0, n)
    u = rng.uniform(-20.0, 5.0, n)
    I = rng.uniform(-10.0, 15.0, n)
    core = Core(prog, n)
    for i in range(n):
        core.state[:, i] = prog.state_from((V[i], u[i]))
    res = core.run(1, current=prog.input_from_current(I), record="all")
    Vq = prog.voltage(prog.formats["V"].quantize(V))
    uq = prog.formats["u"].to_float(prog.formats["u"].quantize(u))
    Ve, ue, se = _izh_euler(model, Vq, uq, I, dt)
    assert np.array_equal(res.spikes[0], se) and se.any() and not se.all()
    # V: 24 fraction bits; a handful of roundings of 2^-25 mV each, times |V| for the Horner product
    assert np.max(np.abs(prog.voltage(res.state("V")[0]) - Ve)) < 1e-5
    assert np.max(np.abs(prog.formats["u"].to_float(res.state("u")[0]) - ue)) < 1e-5
    assert prog.n_instructions == 18 <= prog.budget == 24


def _adex_euler(m, V, w, I, dt):
    """AdEx (Neuronal Dynamics Eqs. 6.3-6.4), one forward-Euler step in float64."""
    Vn = V + dt / m.tau * (-(V - m.V_rest) + m.delta_T * np.exp((V - m.V_T) / m.delta_T) - m.R * w + m.R * I)
    wn = w + dt / m.tau_w * (m.a * (V - m.V_rest) - w)
    spike = Vn >= m.V_th
    return np.where(spike, m.V_reset, Vn), np.where(spike, wn + m.b, wn), spike


# the default segment h = dT/16: the table's error bound exp(h/2dT) - 1, the chord's h^2/(8 dT^2)
@pytest.mark.parametrize("exp, tol", [("piecewise", 1.0 / 2048), ("table", math.exp(1.0 / 32) - 1.0)])
def test_adex_program_is_the_euler_step_to_within_its_exponential(exp, tol):
    m = AdEx.preset("bursting")
    dt = 0.05
    prog = compile_adex(m, dt, "s16.15", exp=exp)
    rng = np.random.default_rng(1)
    n = 300
    V = rng.uniform(-75.0, -25.0, n)              # above about -34 mV the step spikes (the table saturates)
    w = rng.uniform(-10.0, 100.0, n)
    I = rng.uniform(0.0, 100.0, n)
    core = Core(prog, n)
    for i in range(n):
        core.state[:, i] = prog.state_from((V[i], w[i]))
    res = core.run(1, current=prog.input_from_current(I), record="all")
    Ve, we, se = _adex_euler(m, V, w, I, dt)
    assert np.array_equal(res.spikes[0], se) and se.any()
    # error of V's step: the exponential's relative error times its size, plus roundings (2^-24 mV)
    expo = dt / m.tau * m.delta_T * np.exp((V - m.V_T) / m.delta_T)
    err = np.abs(prog.voltage(res.state("V")[0]) - Ve)
    assert np.all(err[~se] <= tol * expo[~se] + 1e-5)
    z = prog.formats["z"].to_float(res.state("z")[0])
    assert np.max(np.abs(z - m.R * we)) < 1e-5
    assert prog.n_instructions == (15 if exp == "table" else 21) <= prog.budget == 40


def test_exponential_errors_table_versus_piecewise():
    m = AdEx.preset("tonic")
    table = exp_error(m, exp="table")
    piece = exp_error(m, exp="piecewise")
    h = m.delta_T / 16
    assert table["h"] == pytest.approx(h, rel=0.5) and piece["h"] == table["h"]
    # the table's midpoint value: error up to exp(h/2dT) - 1, reached at the segments' ends
    # (plus rounding: an entry's and the interpolation's half LSB, over a term of at least 2^16 LSBs)
    rounding = 2.0 ** -16
    assert 0.8 * table["bound"] <= table["max_rel_error"] <= table["bound"] + rounding
    # the chord: up to about h^2 / (8 dT^2), i.e. ~60 times smaller at h = dT/16
    assert piece["bound"] == pytest.approx(1.0 / (8 * 16 ** 2), rel=0.01)
    assert 0.8 * piece["bound"] <= piece["max_rel_error"] <= piece["bound"] + rounding
    assert piece["max_rel_error"] < table["max_rel_error"] / 30
    assert piece["instructions"] - table["instructions"] == 6
    # halving the segment halves the table's error and quarters the chord's
    t2 = exp_error(m, exp="table", exp_step=h / 2)
    p2 = exp_error(m, exp="piecewise", exp_step=h / 2)
    assert t2["max_rel_error"] == pytest.approx(table["max_rel_error"] / 2, rel=0.1)
    assert p2["max_rel_error"] == pytest.approx(piece["max_rel_error"] / 4, rel=0.15)


def test_the_parameter_that_does_not_fit_is_named():
    with pytest.raises(ValueError, match=r"c = -65 mV does not fit the format Q6.9 \(V, 16-bit\)"):
        compile_izhikevich(Izhikevich.preset("RS"), 0.25, "Q8.7", frac_bits={"V": 9})
    with pytest.raises(ValueError, match=r"d = 8 \(u units\) does not fit the format Q2.13 \(u, 16-bit\)"):
        compile_izhikevich(Izhikevich.preset("RS"), 0.25, "Q8.7", frac_bits={"u": 13})
    with pytest.raises(ValueError, match=r"V_th - V_rest = 20 mV does not fit the format Q3.12"):
        compile_lif(LIF(), 0.1, "Q3.12")
    with pytest.raises(ValueError, match=r"R b = 30 mV does not fit the format Q3.12 \(z, 16-bit\)"):
        compile_adex(AdEx.preset("tonic"), 0.05, "Q8.7", frac_bits={"z": 12})
    with pytest.raises(ValueError, match=r"dt = 0.5 ms: one step of Izhikevich's V can move V by up to"):
        compile_izhikevich(Izhikevich.preset("RS"), 0.5, int16(7, "wrap"))
    compile_izhikevich(Izhikevich.preset("RS"), 0.5, int16(7))       # saturating: the overshoot is clipped
    with pytest.raises(ValueError, match="model must be a coursekit LIF, Izhikevich or AdEx"):
        compile_model(object(), 0.1)


def test_scaling_follows_the_bounds():
    # V within +-128 mV: 7 integer bits; u within +-32: 5
    assert frac_bits_for(128.0, 16) == 8 and frac_bits_for(32.0, 16) == 10 and frac_bits_for(128.0, 32) == 24
    p = compile_izhikevich(Izhikevich.preset("RS"), 0.25, "Q8.7")
    assert p.formats["V"].frac_bits == 8 and p.formats["u"].frac_bits == 10
    assert p.formats["V"].max_value == pytest.approx(128.0 - 2 ** -8)
    assert math.isclose(p.voltage(p.initial_state(1)[p.registers.index("V"), 0]), -65.0)
