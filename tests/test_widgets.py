"""Lecture widgets: headless fallback, slider wiring, numbers against direct simulations, update time."""
import statistics
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import coursekit as ck  # noqa: E402
from coursekit.neurons import HodgkinHuxley  # noqa: E402
from coursekit.widgets import (  # noqa: E402
    HHExplorer,
    MethodComparison,
    headless_reason,
    hh_explorer,
    method_comparison,
)


def test_headless_reasons(monkeypatch):
    monkeypatch.delenv("COURSEKIT_HEADLESS", raising=False)
    assert headless_reason() == "not running in a Jupyter kernel"  # pytest has no kernel
    assert headless_reason(False) is None
    monkeypatch.setenv("COURSEKIT_HEADLESS", "1")
    assert headless_reason() == "COURSEKIT_HEADLESS is set"
    monkeypatch.delenv("COURSEKIT_HEADLESS")
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    assert headless_reason() == "ipywidgets is not installed"


def test_headless_explorer_returns_the_drawn_figure():
    from matplotlib.figure import Figure

    fig = hh_explorer(I=10.0)
    assert isinstance(fig, Figure)
    line = fig.axes[0].lines[0]
    V = np.asarray(line.get_ydata())
    assert V.size > 1000 and V.max() > 30.0  # spikes drawn
    assert not line.get_animated()  # a static figure saves and displays like any other
    fig2 = method_comparison(dt=0.05)
    assert isinstance(fig2, Figure)


def test_explorer_draws_what_simulate_computes():
    live = HHExplorer(blit=False)
    live.update(I=10.0)
    # independent run: RK4 at dt = 0.005 ms from the same rest state, same step input
    ref = ck.simulate(HodgkinHuxley(), 200.0, dt=0.005, I=ck.inputs.step(10.0, 20.0), method="rk4")
    assert live.result.n_spikes == ref.n_spikes > 5
    # exponential Euler at 0.01 ms: first spike within 0.1 ms, period within 0.5 %
    assert abs(live.result.spike_times[0] - ref.spike_times[0]) < 0.1
    assert abs(np.mean(live.result.isi()) / np.mean(ref.isi()) - 1) < 0.005
    np.testing.assert_array_equal(live.line_V.get_xdata(), live.result.t)


def test_explorer_without_conductances_is_a_capacitor():
    live = HHExplorer(blit=False)
    live.update(I=10.0, g_Na=0.0, g_K=0.0, g_L=0.0)  # every V is a rest state at I = 0
    res = live.result
    # C dV/dt = I: 10 mV/ms for the 180 ms of the step
    assert res.V[-1] - res.V[0] == pytest.approx(10.0 * 180.0, rel=1e-3)


def test_sliders_resimulate_and_replace_the_image(record_property):
    box = hh_explorer(I=2.0, headless=False)
    live = box.live
    sliders = {s.description.split()[0]: s for row in box.children[1:3] for s in row.children}
    assert set(sliders) == {"I", "T", "g_Na", "g_K", "g_L"}
    image = box.children[-1]
    before = image.value
    assert live.result.n_spikes == 0  # 2 uA/cm^2 is below rheobase
    sliders["I"].value = 10.0
    assert live.result.n_spikes > 5 and image.value != before
    n_6 = live.result.n_spikes
    sliders["T"].value = 16.3  # phi = 3: faster gates, higher rate
    assert abs(live.result.model.phi - 3.0) < 1e-12 and live.result.n_spikes > n_6
    # the per-update cost of a slider move: simulate 200 ms + redraw + PNG
    import time

    times = []
    for v in np.linspace(5.0, 15.0, 11):
        t0 = time.perf_counter()
        sliders["I"].value = float(v)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    record_property("hh_explorer_update_ms", round(1000 * median, 1))
    print(f"\nhh_explorer slider update (simulate 200 ms + redraw + PNG): median {1000 * median:.1f} ms, "
          f"max {1000 * max(times):.1f} ms over {len(times)} moves")


def test_method_comparison_errors_and_stability():
    live = MethodComparison(blit=False)
    live.update(0.01, ("euler", "heun", "rk4", "exponential_euler"))
    e1 = dict(live.errors)
    live.update(0.005, ("euler", "heun", "rk4", "exponential_euler"))
    e2 = dict(live.errors)
    # error ratio on halving dt is 2^order (within a factor of 1.5: max-norm of a steep spike)
    assert 2 / 1.5 < e1["euler"] / e2["euler"] < 2 * 1.5
    assert 4 / 1.5 < e1["heun"] / e2["heun"] < 4 * 1.5
    assert e2["rk4"] < 1e-3 < e2["euler"]
    assert all(m == "" for m in live.messages.values())
    live.update(0.08, ("euler", "rk4"))
    assert "stability bound dt < 0.0639 ms" in live.messages["euler"]  # the bound StabilityWarning names
    assert live.messages["rk4"] == "" and np.isfinite(live.errors["rk4"])  # rk4's bound is 0.089 ms
    live.update(0.2, ("euler",))
    assert live.messages["euler"].startswith("blew up") and live.errors["euler"] == np.inf
    with pytest.raises(ValueError, match="methods must be among"):
        method_comparison(methods=("midpoint",))


def test_method_comparison_widget():
    box = method_comparison(headless=False)
    dt_slider, picks = box.children[1].children
    dt_slider.value = 0.01
    assert box.live.messages.keys() == {"euler", "rk4", "exponential_euler"}
    picks.value = ("rk4",)
    assert set(box.live.errors) == {"rk4"}


def test_explorer_axes_have_units_and_the_gate_legend_covers_no_trace():
    live = HHExplorer(blit=False)
    live.update(I=10.0)
    live.figure.canvas.draw()
    assert live.ax_V.get_ylabel() == "V (mV)"
    assert live.ax_gates.get_ylabel() == "gate (dimensionless)" and live.ax_gates.get_xlabel() == "t (ms)"
    leg = live.ax_gates.get_legend()
    assert [t.get_text() for t in leg.get_texts()] == ["m", "h", "n"]
    lb, fig = leg.get_window_extent(), live.figure.bbox
    # wholly inside the figure (the widget shows the Agg canvas as it is: nothing may be cut off) ...
    assert fig.x0 <= lb.x0 and lb.x1 <= fig.x1 and fig.y0 <= lb.y0 and lb.y1 <= fig.y1
    # ... and clear of both panels, so no gate trace is hidden behind it
    for ax in (live.ax_V, live.ax_gates):
        ab = ax.get_window_extent()
        assert lb.x0 >= ab.x1 or lb.x1 <= ab.x0 or lb.y0 >= ab.y1 or lb.y1 <= ab.y0
