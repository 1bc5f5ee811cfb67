"""Lecture 16's widgets and plots: what they draw against independent references -- the LIF's closed-form
subthreshold solution (exact for a constant current), the same neuron compiled to the core's instruction set
(a second code path, bit for bit), coursekit.bpu's own error analysis and preset runs for the same
configuration -- and headless figures whose axes carry units."""
import math
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.bpu import Core, compile_lif, lif_error, pattern_sweep, run_preset  # noqa: E402
from coursekit.bpu_widgets import (ChipLIF, ChipPattern, bpu_lif_explorer, bpu_pattern_explorer,  # noqa: E402
                                   lif_comparison, pattern_comparison)
from coursekit.neurons import LIF  # noqa: E402


def _units(ax):
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        if label:
            assert re.search(r"\(.+\)", label), label


@pytest.fixture(scope="module")
def q87():
    return lif_comparison(300.0, "Q8.7", "nearest", 0.1)


def test_headless_lif_explorer_has_units():
    from matplotlib.figure import Figure

    fig = bpu_lif_explorer(300.0, "Q8.7", "nearest", 0.1, headless=True)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[0].get_ylabel() == "V (mV)" and fig.axes[1].get_xlabel() == "t (ms)"
    for ax in fig.axes:
        _units(ax)


def test_float_trace_is_the_closed_form_and_the_chip_stays_within_its_rounding_bound(q87):
    m = LIF()
    c = q87
    # below threshold, V(t) = V_rest + R I (1 - exp(-t/tau)) exactly (exponential Euler, constant input)
    first = c.spikes_float[0]
    # (the crossing is interpolated linearly inside a 0.01 ms step: an error of order dt^2 V''/V' ~ 1e-6 ms)
    assert first == pytest.approx(-m.tau * math.log(1 - (m.V_th - m.V_rest) / (m.R * c.I)), abs=1e-5)
    sel = c.t_float < first
    exact = m.V_rest + m.R * c.I * (1 - np.exp(-c.t_float[sel] / m.tau))
    np.testing.assert_allclose(c.V_float[sel], exact, atol=1e-9)
    # the chip: each step rounds the product and the input to half an LSB each, and the decay constant to
    # 2^-16; the error decays by alpha per step, so it stays below (LSB + 20 mV 2^-16) / (1 - alpha)
    alpha = math.exp(-c.dt / m.tau)
    bound = (2.0 ** -7 + 20.0 * 2.0 ** -16) / (1 - alpha)
    sel = c.t_chip < min(c.spikes_chip[0], first)
    exact = m.V_rest + m.R * c.I * (1 - np.exp(-c.t_chip[sel] / m.tau))
    err = np.abs(c.V_chip[sel] - exact)
    assert err.max() < bound
    assert err.max() > 2.0 ** -8      # and it is not float arithmetic in disguise


def test_chip_trace_is_the_compiled_program_bit_for_bit(q87):
    prog = compile_lif(LIF(), 0.1, "Q8.7", "nearest")
    core = Core(prog, 1)
    n = q87.t_chip.size
    res = core.run(n, current=prog.input_from_current(300.0), record=[0])
    np.testing.assert_array_equal(prog.voltage(res.state("V")[:, 0]), q87.V_chip)
    np.testing.assert_array_equal((res.spike_steps(0) + 1) * 0.1, q87.spikes_chip)


@pytest.mark.parametrize("fmt, rounding, dt", [("Q8.7", "nearest", 0.1), ("Q10.5", "truncate", 0.1),
                                               ("s16.15", "stochastic", 0.5)])
def test_drawn_spikes_and_status_are_the_error_analysis(fmt, rounding, dt):
    live = ChipLIF()
    live.update(250.0, fmt, rounding, dt)
    ref = lif_error(LIF(), 250.0, 200.0, dt, fmt, rounding)
    rows = live.ax_s.spike_rows
    assert rows["chip"][0].size == ref.n_spikes_fixed and rows["float64"][0].size == ref.n_spikes_float
    np.testing.assert_allclose(rows["chip"][0][:1], [ref.first_spike_fixed][:ref.n_spikes_fixed], atol=1e-12)
    np.testing.assert_array_equal(live.ax_v.bpu_lines["chip"].get_ydata(), live.data.V_chip)
    assert f"spikes float {ref.n_spikes_float}, chip {ref.n_spikes_fixed}" in live.status.get_text()


def test_truncation_is_biased_down():
    # truncation (floor) loses up to one LSB each step, nearest half an LSB either way: in Q10.5 (LSB 1/32 mV)
    # the truncated neuron lags and fires fewer spikes than the one rounded to nearest
    trunc = lif_comparison(300.0, "Q10.5", "truncate", 0.1).error
    near = lif_comparison(300.0, "Q10.5", "nearest", 0.1).error
    assert trunc.first_spike_mismatch > near.first_spike_mismatch
    assert trunc.n_spikes_fixed < near.n_spikes_fixed


def test_a_format_that_does_not_fit_shows_the_message():
    live = ChipLIF()
    live.update(300.0, "Q4.11", "nearest", 0.1)      # +-16 mV cannot hold V_th - V_rest = 20 mV
    assert live.data is None
    assert "V_th - V_rest" in live.message and "Q4.11" in live.message
    assert live.status.get_text().startswith("does not fit")


def test_pattern_explorer_chip_run_is_run_preset_and_names_both():
    from matplotlib.figure import Figure

    c = pattern_comparison("izhikevich", "CH", "Q8.7", 0.05)
    np.testing.assert_array_equal(c.chip.spike_times, run_preset("izhikevich", "CH", 0.05, "Q8.7").spike_times)
    row = pattern_sweep("izhikevich", "CH", formats=("Q8.7",), dts=(0.05,))[0]
    assert c.label_chip == row["label"] == "initial_burst"     # the burst lost in 16 bits at 0.05 ms
    assert c.label_float == "bursting"                          # Euler at 0.05 ms in float64 keeps it
    fig = bpu_pattern_explorer("izhikevich", "CH", "Q8.7", 0.05, headless=True)
    assert isinstance(fig, Figure)
    _units(fig.axes[0])
    assert "'bursting', chip 'initial_burst'" in fig.texts[0].get_text()


def test_pattern_explorer_frac_bits_and_misfit():
    live = ChipPattern()
    live.update("izhikevich", "CH", "Q8.7", 0.05, frac_bits={"V": 9, "u": 10})
    assert live.data.label_chip == "bursting"
    live.update("izhikevich", "CH", "Q8.7", 0.05, frac_bits={"V": 11, "u": 10})   # +-16 mV: V_peak 30 mV
    assert live.data is None and "does not fit" in live.status.get_text()


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="I must"):
        lif_comparison(float("nan"))
    with pytest.raises(ValueError, match="dt must"):
        lif_comparison(300.0, dt=-0.1)
    with pytest.raises(ValueError, match="rounding"):
        lif_comparison(300.0, rounding="up")


def test_plots_have_units_and_raise_on_bad_input():
    import matplotlib.pyplot as plt

    from coursekit.bpu import error_sweep, get_format, map_network, ei_network
    from coursekit.plotting.bpu import (plot_error_sweep, plot_mapping_costs, plot_pattern_grid,
                                        plot_quantization)

    fmt = get_format("Q13.2")
    x = np.linspace(-1.0, 1.0, 41)
    ax = plot_quantization(x, {r: fmt.to_float(fmt.quantize(x, r)) for r in ("truncate", "nearest")})
    assert ax.quantization_lines["truncate"].get_ydata()[0] == -1.0
    _units(ax)
    rows = error_sweep(LIF(), 300.0, 50.0, formats=("Q8.7",), roundings=("nearest",), dts=(0.1, 0.5))
    ax = plot_error_sweep(rows, "v_rms_subthreshold")
    np.testing.assert_allclose(ax.sweep_lines[("Q8.7", "nearest")].get_ydata(), [r.v_rms_subthreshold for r in rows])
    _units(ax)
    with pytest.raises(ValueError, match="metric"):
        plot_error_sweep(rows, "speed")
    # the legend beside the Axes (anchored right of it), or none
    fig, (a1, a2) = plt.subplots(1, 2)
    plot_error_sweep(rows, ax=a1, legend=None)
    plot_error_sweep(rows, ax=a2, legend="outside")
    assert a1.get_legend() is None
    fig.canvas.draw()
    box = a2.get_legend().get_window_extent()
    assert box.x0 >= a2.get_window_extent().x1 and [t.get_text() for t in a2.get_legend().get_texts()] == [
        "Q8.7, nearest"]
    with pytest.raises(ValueError, match="legend"):
        plot_error_sweep(rows, legend="right")
    ax = plot_pattern_grid([dict(fmt="Q8.7", dt=0.05, holds=False, label="initial_burst"),
                            dict(fmt="Q8.7", dt=0.25, holds=True, label="bursting")])
    assert ax.pattern_cells[("Q8.7", 0.25)] == (True, "bursting")
    _units(ax)
    m = map_network(ei_network(N_E=400, N_I=100, C_E=240, C_I=60), policy="split")
    ax = plot_mapping_costs({"E/I, split": m})
    assert ax.mapping_bars["E/I, split"][1].get_height() == 2 * 500    # fan-in 300 -> 2 partial units each
    _units(ax)
    plt.close("all")
