"""Plotting helpers of the decision and E/I circuits: they draw the data they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit.analysis.phase_plane import fixed_points, nullclines  # noqa: E402
from coursekit.networks.brunel import brunel2000  # noqa: E402
from coursekit.networks.decision import WongWang, fit_weibull, psychometric, run_trials  # noqa: E402
from coursekit.plotting.decision import (plot_chronometric, plot_decision_phase_plane,  # noqa: E402
                                         plot_decision_variables, plot_psychometric)
from coursekit.plotting.ei import (plot_balance_scaling, plot_input_balance, plot_raster_and_rate,  # noqa: E402
                                   plot_rate_vs_drive)


def test_decision_figures_draw_the_given_data():
    tr = run_trials(n_trials=3, coherence=25.6, dt=0.5, seed=1, record=1, t_stim=600.0)
    ax = plot_decision_variables(tr)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), tr.rates[0, :, 0])
    psy = psychometric(coherences=(0.0, 12.8, 51.2), n_trials=20, dt=0.5, seed=2)
    fit = fit_weibull(psy.coherence, np.round(psy.accuracy * psy.n_decided), psy.n_decided)
    ax = plot_psychometric(psy, fit=fit)
    assert ax.get_ylabel() == "fraction correct" and len(ax.lines) >= 1
    ax = plot_chronometric(psy)
    assert ax.get_ylabel() == "decision time (ms)"
    m = WongWang()
    plane = dict(variables=("S1", "S2"), fixed={"I_noise1": 0.0, "I_noise2": 0.0})
    nc = nullclines(m, (0, 1), (0, 1), I=30.0, n=60, **plane)
    fps = fixed_points(m, {"S1": (0, 1), "S2": (0, 1)}, I=30.0, **plane)
    ax = plot_decision_phase_plane(nc, fps)
    assert ax.get_xlabel() == "S1"
    with pytest.raises(ValueError, match="not recorded"):
        plot_decision_variables(tr, trial=5)
    plt.close("all")


def test_psychometric_plot_takes_a_trained_rnns_curve():
    """coursekit.learning.evaluate.Psychometric has every trial decided and its own signed coherences."""
    from coursekit.learning.evaluate import Psychometric

    psy = Psychometric(coherence=np.array([0.0, 6.4, 25.6]), accuracy=np.array([0.5, 0.8, 1.0]),
                       n_trials=np.array([100, 25, 4]), signed_coherence=np.array([-6.4, 0.0, 6.4]),
                       p_choice1=np.array([0.2, 0.5, 0.8]), n_signed=np.array([100, 100, 100]),
                       weibull=(6.0, 1.5), logistic=(0.0, 3.0))
    ax = plot_psychometric(psy, fit=psy.weibull)
    bars = ax.collections[0].get_segments()  # binomial standard errors from each level's trial count
    np.testing.assert_allclose([b[1, 1] - b[0, 1] for b in bars], 2 * np.sqrt([0.25 / 100, 0.16 / 25, 0.0]), atol=1e-12)
    ax = plot_psychometric(psy, kind="choice", fit=psy.logistic)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [-6.4, 0.0, 6.4])
    assert ax.get_ylabel() == "P(choice 1)"
    plt.close("all")


def test_ei_figures_draw_the_given_data():
    run = brunel2000(5.0, 2.0, N_E=400, epsilon=0.25, seed=1).run(50.0)
    ax_r, ax_p = plot_raster_and_rate(run, n_neurons=20)
    t, r = run.rate("E", 1.0)
    np.testing.assert_array_equal(ax_p.lines[0].get_ydata(), r)
    ax = plot_input_balance(run.input_E, run.input_I, run.input_ext)
    assert len(ax.patches) > 0
    ax = plot_balance_scaling([100, 400], [1.0, 2.0], [-1.9, -3.9], [0.1, 0.1])
    assert len(ax.lines) == 4
    ax = plot_rate_vs_drive([1, 2], [3, 4])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3, 4])
    plt.close("all")
