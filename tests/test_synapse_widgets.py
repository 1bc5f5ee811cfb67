"""Lecture 07's widgets: headless figures, slider wiring, and what they draw against direct computations."""
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.analysis.synaptic_input import effective_membrane  # noqa: E402
from coursekit.synapse_widgets import (  # noqa: E402
    KernelExplorer,
    PoissonInputExplorer,
    kernel_explorer,
    poisson_input_explorer,
)
from coursekit.synapses import Alpha, DualExponential  # noqa: E402


def _labels_have_units(fig):
    for ax in fig.axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert re.search(r"\(.+\)", label), f"axis label without a unit: {label!r}"


def test_headless_widgets_return_their_figures():
    from matplotlib.figure import Figure

    for fig in (kernel_explorer(), poisson_input_explorer()):
        assert isinstance(fig, Figure)
        _labels_have_units(fig)


def test_kernel_explorer_draws_the_synapse_models():
    live = KernelExplorer(blit=False)
    live.update(tau_rise=1.0, tau_decay=10.0, rate=50.0)
    dual = DualExponential(tau_decay=10.0, tau_rise=1.0)
    t, s = (np.asarray(x) for x in live.lines["dual exponential"].get_data())
    ref = dual.simulate([0.0], float(t[-1]), dt=float(t[1] - t[0])).states["s"]
    np.testing.assert_allclose(s, ref / ref.max(), rtol=1e-12)
    assert t[np.argmax(s)] == pytest.approx(dual.time_to_peak(), abs=0.02)
    assert f"peak at {dual.time_to_peak():.2f} ms" in live.status.get_text()
    # the alpha curve has the dual's time to peak; five spikes at 50 Hz sum above one spike's peak
    ta, sa = (np.asarray(x) for x in live.lines["alpha"].get_data())
    assert ta[np.argmax(sa)] == pytest.approx(dual.time_to_peak(), abs=0.02)
    train = np.asarray(live.line_train.get_ydata())
    assert train.max() > 1.1 * dual.peak()
    # equal time constants: the alpha function, as the limit of the dual exponential
    live.update(tau_rise=10.0, tau_decay=10.0, rate=20.0)
    t, s = (np.asarray(x) for x in live.lines["dual exponential"].get_data())
    ref = Alpha(tau=10.0).simulate([0.0], float(t[-1]), dt=float(t[1] - t[0])).states["s"]
    np.testing.assert_allclose(s, ref / ref.max(), rtol=1e-12)
    assert "alpha limit" in live.status.get_text()


def test_poisson_explorer_without_input_rests_and_with_input_follows_the_prediction():
    live = PoissonInputExplorer(blit=False, duration=300.0)
    live.update(rate_e=0.0, rate_i=0.0)
    t, V, spikes = live.result
    np.testing.assert_allclose(V, live.neuron.V_rest)
    assert spikes.size == 0 and "τ_eff = 20.00 ms" in live.status.get_text()
    live.update(rate_e=10.0, rate_i=10.0)
    t, V, _ = live.result
    m = effective_membrane(live.neuron, live.inputs(10.0, 10.0))
    assert np.asarray(live.line_eff.get_ydata())[0] == pytest.approx(m.V)
    # fluctuation-driven: V wanders around V_eff, which lies below threshold
    assert m.V < live.neuron.V_th and abs(np.mean(V[t > 50.0]) - m.V) < 1.5 and np.std(V) > 1.0
    np.testing.assert_array_equal(live.line_V.get_ydata(), V)


def test_sliders_recompute_and_replace_the_image():
    box = kernel_explorer(headless=False)
    sliders = {s.description: s for row in box.children[1:3] for s in row.children}
    image = box.children[-1]
    before = image.value
    sliders["τ_rise (ms)"].value = 3.0
    assert image.value != before and "τ_rise = 3 ms" in box.live.status.get_text()
    box = poisson_input_explorer(headless=False)
    sliders = {s.description: s for row in box.children[1:3] for s in row.children}
    sliders["ν_I (Hz)"].value = 0.0
    assert "ν_I = 0 Hz" in box.live.status.get_text()
