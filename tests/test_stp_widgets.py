"""The short-term-plasticity widget: headless figure, numbers against the model, sliders."""
import statistics
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.analysis.plasticity import stp_peak_frequency  # noqa: E402
from coursekit.plasticity import ReleaseProbability  # noqa: E402
from coursekit.stp_widgets import STPExplorer, stp_explorer  # noqa: E402


def test_headless_returns_the_drawn_figure_with_units():
    from matplotlib.figure import Figure

    fig = stp_explorer()
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        assert "(" in ax.get_xlabel() or ax.get_xlabel() == "spike number"
        assert "(" in ax.get_ylabel()


def test_train_and_curve_are_the_models():
    live = STPExplorer(blit=False)
    live.update(U_SE=0.2, tau_f=600.0, tau_d=100.0, rate=25.0)
    model = ReleaseProbability(U_SE=0.2, tau_f=600.0, tau_d=100.0, A=1.0)
    spikes = 1.0 + np.arange(20) * 40.0
    res = model.simulate(spikes, spikes[-1] + 1.0, dt=0.1)
    np.testing.assert_allclose(live.line_epsc.get_ydata(), res.epsc, rtol=1e-12)
    # u+ and x- drawn are those of the model's own recursion: their product is the EPSC
    np.testing.assert_allclose(np.asarray(live.line_u.get_ydata()) * live.line_x.get_ydata(), res.epsc, rtol=1e-12)
    np.testing.assert_allclose(live.steady, [model.steady_state(r)["epsc"] for r in live.rates], rtol=1e-12)
    assert live.peak == pytest.approx(stp_peak_frequency(model, 0.5, 200.0))
    # 20 spikes at 25 Hz are 760 ms, about 1.3 tau_f: close to, not at, the steady state
    assert res.epsc[-1] == pytest.approx(model.steady_state(25.0)["epsc"], rel=0.05)
    assert "band-pass" in live.status.get_text()
    live.update(U_SE=0.6, tau_f=5.0, tau_d=800.0, rate=10.0)
    assert "depressing" in live.status.get_text()


def test_sliders_resimulate_and_replace_the_image():
    box = stp_explorer(headless=False)
    sliders = {s.description.split()[0]: s for row in box.children[1:3] for s in row.children}
    assert set(sliders) == {"U_SE", "tau_f", "tau_d", "rate"}
    image = box.children[-1]
    before, peak = image.value, box.live.peak
    sliders["tau_d"].value = 20.0                 # faster recovery: the band moves to higher rates
    assert image.value != before and box.live.peak > peak
    times = []
    for r in (5.0, 10.0, 40.0, 80.0):
        t0 = time.perf_counter()
        sliders["rate"].value = r
        times.append(time.perf_counter() - t0)
    print(f"\nstp_explorer slider update: median {1000 * statistics.median(times):.1f} ms over {len(times)} moves")
