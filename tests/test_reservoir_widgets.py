"""Lecture 14's reservoir explorer and plots: what the widget reports is recomputed here independently (the
notes' update written as a plain numpy loop, the ridge readout by scikit-learn's Ridge or, without it, by least
squares on the augmented system [H; sqrt(beta) I] w = [y; 0]), the issue's targets (NARMA-10 test NRMSE < 0.30
and Mackey-Glass one-step NRMSE <= 1e-3 at N = 100) hold in it, and the spectrum drawn is the leaky update's."""
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.learning.reservoir import random_reservoir  # noqa: E402
from coursekit.learning.short_term_memory import linear_memory_capacity  # noqa: E402
from coursekit.plotting.reservoir import (  # noqa: E402
    plot_memory_function, plot_prediction, plot_spectrum, plot_state_forgetting, plot_states)
from coursekit.reservoir_widgets import (  # noqa: E402
    ReservoirExplorer, reservoir_explorer, reservoir_fit, reservoir_task)


def _labels_have_units(ax):
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        assert re.search(r"\(.+\)\s*$", label), label


def _states_by_hand(esn, u, h0=None):
    """The notes' update, h <- (1 - a) h + a tanh(W h + W_in u + b), as a plain loop."""
    h = np.zeros(esn.N) if h0 is None else h0.copy()
    H = np.empty((len(u), esn.N))
    for t, ut in enumerate(u):
        h = (1 - esn.leak) * h + esn.leak * np.tanh(esn.W_rec @ h + esn.W_in[:, 0] * ut + esn.b)
        H[t] = h
    return H


def _ridge_by_reference(H, y, beta):
    """Ridge with an unpenalised offset: scikit-learn's Ridge, else least squares on the augmented system."""
    try:
        from sklearn.linear_model import Ridge
    except ImportError:
        Hm, ym = H.mean(axis=0), y.mean()
        A = np.vstack([H - Hm, np.sqrt(beta) * np.eye(H.shape[1])])
        w = np.linalg.lstsq(A, np.concatenate([y - ym, np.zeros(H.shape[1])]), rcond=None)[0]
        return w, ym - w @ Hm
    model = Ridge(alpha=beta, fit_intercept=True, solver="cholesky").fit(H, y)
    return model.coef_, model.intercept_


@pytest.fixture(scope="module")
def small_task():
    return reservoir_task("narma10", n_train=1500, n_test=300, washout=100, seed=3)


def test_fit_is_the_notes_reservoir_and_ridge_recomputed(small_task):
    beta = 1e-4   # well conditioned, so two solvers agree to many digits
    fit = reservoir_fit(spectral_radius=0.9, leak=0.6, input_scaling=0.3, beta=beta, N=40, seed=2, data=small_task)
    H = _states_by_hand(fit.esn, np.concatenate([small_task.u_train, small_task.u_test]))
    n, w0 = small_task.u_train.size, small_task.washout
    w, b = _ridge_by_reference(H[w0:n], small_task.y_train[w0:], beta)
    y_pred = H[n:] @ w + b
    np.testing.assert_allclose(fit.y_pred, y_pred, rtol=1e-7, atol=1e-9)
    y = small_task.y_test
    want = np.sqrt(np.mean((y - y_pred) ** 2) / np.var(y))
    assert fit.nrmse_test == pytest.approx(want, rel=1e-6)
    # the diagnostics: rho of the leaky update from its own eigen-decomposition
    M = (1 - 0.6) * np.eye(40) + 0.6 * fit.esn.W_rec
    assert fit.diagnostics.effective_spectral_radius == pytest.approx(np.max(np.abs(np.linalg.eigvals(M))),
                                                                      rel=1e-10)
    assert fit.diagnostics.spectral_radius == pytest.approx(0.9, rel=1e-10)


def test_one_seed_one_reservoir_only_the_scales_change(small_task):
    a = reservoir_fit(spectral_radius=0.5, input_scaling=0.2, N=30, data=small_task).esn
    b = reservoir_fit(spectral_radius=0.8, input_scaling=0.05, N=30, data=small_task).esn
    np.testing.assert_allclose(b.W_rec, a.W_rec * 0.8 / 0.5, rtol=1e-12)
    np.testing.assert_allclose(b.W_in, a.W_in * 0.05 / 0.2, rtol=1e-12)
    np.testing.assert_array_equal(a.b, b.b)


def test_issue_targets_in_the_explorer_and_a_memoryless_reservoir_fails_narma():
    """NARMA-10 needs ten steps of memory: rho(W) = 0 (no recurrence) cannot do it (measured 0.90 vs 0.23)."""
    live = ReservoirExplorer("narma10", N=100)
    live.update(0.8, 1.0, 0.1, 1e-8)
    assert live.fit.nrmse_test < 0.30
    good = live.fit.nrmse_test
    live.update(0.0, 1.0, 0.1, 1e-8)
    assert live.fit.nrmse_test > 0.8 > 3 * good
    assert "ESP holds" in live.status.get_text()     # W = 0: sigma_max = 0 < 1
    mg = reservoir_fit("mackey_glass", 0.8, 1.0, 0.1, 1e-8, N=100)
    assert mg.nrmse_test <= 1e-3
    # the naive forecast x(t + 1) = x(t) is far worse: the readout learned the dynamics
    naive = np.sqrt(np.mean((mg.task.y_test - mg.task.u_test) ** 2) / np.var(mg.task.y_test))
    assert naive > 50 * mg.nrmse_test


def test_drawn_spectrum_is_the_leaky_update_and_status_names_the_verdict():
    live = ReservoirExplorer("narma10", N=50, window=50)
    live.update(1.3, 0.4, 0.1, 1e-6)
    W = live.fit.esn.W_rec
    want = np.linalg.eigvals(0.6 * np.eye(50) + 0.4 * W)
    drawn = [ln for ln in live.ax_spec.lines if ln.get_label().startswith("(1−a)I")]
    assert len(drawn) == 1
    got = drawn[0].get_xdata() + 1j * drawn[0].get_ydata()
    np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(want), atol=1e-10)
    r_eff = np.max(np.abs(want))
    verdict = "fails" if r_eff >= 1 else "undecided"
    assert f"ρ((1−a)I + aW) = {r_eff:.3f}, ESP {verdict}" in live.status.get_text()
    (target, pred) = live.ax_pred.lines[:2]
    np.testing.assert_array_equal(pred.get_ydata(), live.fit.y_pred[:50])
    np.testing.assert_array_equal(target.get_ydata(), live.data.y_test[:50])
    for ax in (live.ax_pred, live.ax_spec):
        _labels_have_units(ax)


def test_headless_widget_is_a_figure_with_units():
    from matplotlib.figure import Figure

    fig = reservoir_explorer(0.9, 0.5, 0.2, 1e-6, task="mackey_glass", N=30, headless=True)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax in fig.axes:
        _labels_have_units(ax)


def test_plots_take_ax_return_it_and_draw_the_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5)
    y = np.sin(np.arange(50) / 5.0)
    assert plot_prediction(y, 0.9 * y, axes[0], free_from=25) is axes[0]
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), 0.9 * y)
    esn = random_reservoir(20, spectral_radius=0.9, input_scaling=1.0, leak=0.3, activation="identity", seed=6)
    mc = linear_memory_capacity(esn)
    assert plot_memory_function(mc, axes[1]) is axes[1]
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), mc.per_delay)
    assert f"MC = {mc.total:.2f} (N = 20)" in axes[1].get_legend().get_texts()[0].get_text()
    assert plot_spectrum(esn.W_rec, 0.3, axes[2]) is axes[2]
    d = np.array([1.0, 0.5, 0.0, 0.1])
    assert plot_state_forgetting(d, axes[3], label="x") is axes[3]
    assert np.isnan(axes[3].lines[0].get_ydata()[2])          # 0 is not drawn on a log axis
    assert plot_states(np.ones((10, 3)), axes[4], units=(0, 2)) is axes[4]
    for ax in axes:
        _labels_have_units(ax)
    plt.close(fig)


def test_bad_input_names_the_parameter(small_task):
    with pytest.raises(ValueError, match="task"):
        reservoir_task("lorenz")
    with pytest.raises(ValueError, match="washout"):
        reservoir_task("narma10", n_train=100, washout=100)
    with pytest.raises(ValueError, match="beta"):
        reservoir_explorer(beta=-1.0, headless=True)
    with pytest.raises(ValueError, match="leak"):
        reservoir_fit(leak=1.5, N=10, data=small_task)
    with pytest.raises(ValueError, match="leak"):
        plot_spectrum(np.eye(3), 0.0)
    with pytest.raises(ValueError, match="window"):
        ReservoirExplorer(window=1)
