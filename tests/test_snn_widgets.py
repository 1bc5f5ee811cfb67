"""Lecture 15's widgets and plots: what they report against independent references -- the band where each
surrogate is >= 1 % of its peak against a numerical root of the surrogate itself, the fraction of states in it
recounted, BPTT's gradient norms against forward mode's (a second computation of the same gradient), a silent
start where a compact surrogate gives exactly no gradient; the latency code read back within its rounding bound,
a rate code's spike counts against the binomial mean; the drawn rasters equal to the spikes; headless figures
whose axes carry units."""
import re

import numpy as np
import pytest
from scipy.optimize import brentq

pytest.importorskip("matplotlib")
from coursekit.learning.snn import LIF, Readout, SpikingNetwork, encode, surrogate_gradient  # noqa: E402
from coursekit.learning.snn.forward import forward_mode  # noqa: E402
from coursekit.plotting.snn import (plot_accuracy_curves, plot_accuracy_vs_spikes, plot_loss_landscape,  # noqa: E402
                                    plot_membrane, plot_memory_vs_length, plot_rate_histogram, plot_scale_sweep,
                                    plot_spike_raster, plot_surrogates)
from coursekit.snn_widgets import (REACH_FRACTION, SHAPES, SPIKE_CODES, EncodingExplorer,  # noqa: E402
                                   SurrogateExplorer, encoding_explorer, encoding_view, reach_band,
                                   surrogate_explorer, surrogate_reach)


def _units(ax):
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        assert re.search(r"\(.+\)", label), label


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("scale", [0.5, 10.0, 300.0])
def test_reach_band_is_where_the_surrogate_falls_to_one_percent(name, scale):
    peak = surrogate_gradient(0.0, name, scale)
    root = brentq(lambda x: surrogate_gradient(x, name, scale) - REACH_FRACTION * peak, 0.0, 100.0 / scale,
                  xtol=1e-14, rtol=1e-13)
    assert reach_band(name, scale) == pytest.approx(root, rel=1e-9)


def test_reached_fraction_is_the_states_inside_the_band():
    for name, scale in (("fast_sigmoid", 10.0), ("triangular", 3.0), ("sigmoid", 30.0)):
        r = surrogate_reach(name, scale, weight_scale=0.3, n_images=32)
        assert r.x.size == 25 * 32 * 100
        np.testing.assert_allclose(r.psi, surrogate_gradient(r.x, name, scale), rtol=1e-15)
        inside = np.mean(np.abs(r.x) <= r.band)
        assert r.reached == pytest.approx(inside, abs=1.0 / r.x.size)   # a tie at the edge at most
        assert r.net.hidden.surrogate == name and r.net.hidden.scale == scale


def test_gradient_norms_are_forward_modes():
    net = SpikingNetwork(4, LIF(5, recurrent=True), Readout(3), weight_scale=3.0, seed=1)
    u = (np.random.default_rng(2).random((12, 2, 4)) < 0.4).astype(float)
    labels = np.array([0, 2])
    r = surrogate_reach("arctan", 2.0, net=net, u=u, labels=labels)
    assert 0.05 < r.rate / 1000 < 0.6                 # some spikes, some silence
    _, g = forward_mode(r.net, u, labels)
    for k in net.params:
        assert r.grad_norm[k] == pytest.approx(np.linalg.norm(g[k]), rel=1e-9)


def test_silent_start_a_compact_surrogate_passes_no_gradient_a_heavy_tailed_one_does():
    # tiny input weights: no neuron reaches threshold (x < -0.1 everywhere, measured max -0.32: the synapse and
    # membrane filters amplify a constant drive ~110-fold), so a triangular bump, zero outside |x| < 1/k = 0.1,
    # is zero at every state, while the fast sigmoid's 1/x^2 tail is not
    tri = surrogate_reach("triangular", 10.0, weight_scale=0.005, n_images=32)
    assert tri.x.max() < -1.0 / 10.0 and tri.rate == 0.0
    assert tri.reached == 0.0 and tri.grad_norm["W_in"] == 0.0 and tri.grad_norm["b"] == 0.0
    assert tri.grad_norm["W_out"] == 0.0              # silent hidden layer: the readout sees nothing
    fast = surrogate_reach("fast_sigmoid", 10.0, weight_scale=0.005, n_images=32)
    assert np.all(fast.psi > 0) and fast.grad_norm["W_in"] > 0.0   # small, but Adam rescales it


def test_latency_code_is_read_back_within_its_rounding_bound():
    T = 25
    v = encoding_view(7, "latency", T)
    lit = v.image > 0
    assert v.count == lit.sum() and v.spikes.shape == (T, 64)
    # one spike at round((1 - x)(T - 1)): reading 1 - step/(T - 1) is off by at most half a step
    assert np.all(np.abs(v.decoded[lit] - v.image[lit]) <= 0.5 / (T - 1) + 1e-12)
    assert np.all(v.decoded[~lit] == 0.0)
    assert v.rmse == pytest.approx(np.sqrt(np.mean((v.decoded - v.image) ** 2)))


def test_rate_code_counts_have_the_binomial_mean_and_are_read_back_clipped():
    T, rate = 25, 200.0
    p1 = rate * 1e-3
    views = [encoding_view(3, "bernoulli", T, rate, seed=s) for s in range(300)]
    x = views[0].image
    counts = np.array([v.spikes.sum(axis=0) for v in views])          # (300, 64)
    mean, n = T * p1 * x, len(views)
    se = np.sqrt(T * p1 * x * (1 - p1 * x) / n)
    lit = x > 0
    assert np.all(np.abs(counts.mean(axis=0)[lit] - mean[lit]) <= 5 * se[lit])
    assert np.all(counts[:, ~lit] == 0)
    for v, c in zip(views[:5], counts):
        assert v.count == c.sum()
        np.testing.assert_allclose(v.decoded, np.clip(c / (T * p1), 0, 1))


def test_explorers_draw_what_they_computed():
    live = EncodingExplorer()
    live.update(5, "poisson", 30, 300.0, seed=2)
    pts = live.ax_raster.lines[0]
    steps, channels = np.nonzero(live.view.spikes)
    np.testing.assert_array_equal(pts.get_xdata(), steps + 1.0)
    np.testing.assert_array_equal(pts.get_ydata(), channels)
    np.testing.assert_array_equal(live.view.spikes, encode(live.view.image[None], "poisson", 30, max_rate=300.0,
                                                           seed=2)[:, 0])
    assert f"{live.view.count:.0f} spikes" in live.status.get_text()
    sur = SurrogateExplorer(n_images=16)
    sur.update("sigmoid", 5.0, 0.5)
    assert f"{sur.reach.reached:.1%} of the states" in sur.status.get_text()
    (drawn,) = [ln for ln in sur.ax_shape.lines if ln.get_label() == "sigmoid"]
    np.testing.assert_allclose(drawn.get_ydata(), surrogate_gradient(drawn.get_xdata(), "sigmoid", 5.0))
    for ax in (live.ax_image, live.ax_raster, live.ax_back, sur.ax_shape, sur.ax_states):
        _units(ax)


def test_headless_widgets_are_figures_with_units():
    from matplotlib.figure import Figure

    for fig in (surrogate_explorer("arctan", 30.0, 0.1, headless=True),
                encoding_explorer(0, "bernoulli", 20, 100.0, headless=True)):
        assert isinstance(fig, Figure)
        for ax in fig.axes:
            _units(ax)


def test_plots_take_ax_return_it_and_draw_the_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3)
    axes = axes.ravel()
    x = np.linspace(-1, 1, 11)
    assert plot_surrogates(x, {"a": x ** 2}, axes[0], highlight="a") is axes[0]
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), x ** 2)
    s = np.zeros((10, 3))
    s[[2, 5], [0, 2]] = 1
    assert plot_spike_raster(s, axes[1], dt=0.5) is axes[1]
    np.testing.assert_array_equal(axes[1].lines[0].get_xdata(), [1.5, 3.0])
    t = np.arange(1, 11.0)
    assert plot_membrane(t, 0.1 * t, (t % 4 == 0).astype(float), axes[2]) is axes[2]
    np.testing.assert_array_equal(axes[2].lines[2].get_xdata(), [4.0, 8.0])
    assert plot_loss_landscape(x, {"spiking": x, "smooth": -x}, axes[3]) is axes[3]
    assert plot_scale_sweep([0.1, 1, 10], {"f": [0.9, 0.9, 0.1]}, axes[4], chance=0.1) is axes[4]
    assert axes[4].get_xscale() == "log"
    assert plot_accuracy_vs_spikes([10, 100], [0.5, 0.9], ["a", "b"], axes[5]) is axes[5]
    assert plot_memory_vs_length([100, 200], {"bptt": np.array([2.0, 4.0]) * 2 ** 20}, axes[6]) is axes[6]
    np.testing.assert_array_equal(axes[6].lines[0].get_ydata(), [2.0, 4.0])      # MiB
    assert plot_rate_histogram({"free": np.array([1.0, 300.0])}, axes[7]) is axes[7]
    assert "mean 150 Hz" in axes[7].get_legend().get_texts()[0].get_text()
    assert plot_accuracy_curves({"bptt": [0.8, 0.9]}, axes[8], chance=0.1) is axes[8]
    np.testing.assert_array_equal(axes[8].lines[0].get_xdata(), [1, 2])
    for ax in axes:
        _units(ax)
    plt.close(fig)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="name"):
        surrogate_reach("true")
    with pytest.raises(ValueError, match="scale"):
        surrogate_explorer(scale=-1.0, headless=True)
    with pytest.raises(ValueError, match="weight_scale"):
        surrogate_explorer(weight_scale=0.0, headless=True)
    with pytest.raises(ValueError, match="method"):
        encoding_view(0, "population")
    with pytest.raises(ValueError, match="image_index"):
        encoding_explorer(450, headless=True)
    with pytest.raises(ValueError, match="T"):
        encoding_view(0, "latency", T=1)
    with pytest.raises(ValueError, match="max_rate"):
        encoding_view(0, "bernoulli", max_rate=5000.0)
    with pytest.raises(ValueError, match="u and labels"):
        surrogate_reach(net=SpikingNetwork(2, LIF(2), Readout(2)))
    with pytest.raises(ValueError, match="dt"):
        plot_spike_raster(np.zeros((3, 2)), dt=0.0)
    assert set(SPIKE_CODES) <= {"bernoulli", "poisson", "latency"}
