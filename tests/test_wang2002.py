"""The spiking decision network of Wang (2002): bad input, the membrane step
against the LIF rhs, winner-take-all and persistent activity in the paper's
network, and the psychometric/chronometric behaviour over trials.

Seeds are fixed, so every run is exact; the margins below are what a
different seed would still pass (binomial and rank tests at p < 0.01, rates
far from their bounds), so the tests check the model, not the seed.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.stats import binomtest, fisher_exact, mannwhitneyu

from coursekit.networks.decision import Psychometric, fit_weibull
from coursekit.networks.wang2002 import GROUPS, Wang2002, membrane_step
from coursekit.neurons import lif


# ---------------------------------------------------------------------------
# bad input


def test_sizes_that_match_the_fractions():
    assert Wang2002(N_E=1000, N_I=250).sizes.tolist() == [150, 150, 700, 250]


@pytest.mark.parametrize("kwargs, words", [
    (dict(N_E=1601), "fractions"),
    (dict(f=0.6), "f must be < 0.5"),
    (dict(f=0.0), "f must be > 0"),
    (dict(N_E=0), "N_E"),
    (dict(N_I=-3), "N_I"),
    (dict(w_plus=20.0), "w-"),
    (dict(nu_ext=-1.0), "nu_ext"),
    (dict(mu0=-40.0), "mu0"),
    (dict(sigma_stim=-1.0), "sigma_stim"),
    (dict(g_NMDA_E=-0.1), "g_NMDA_E"),
    (dict(tau_GABA=0.0), "tau_GABA"),
    (dict(V_reset=-40.0), "V_reset"),
    (dict(bogus=1.0), "unknown"),
])
def test_bad_parameters_raise(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Wang2002(**kwargs)


@pytest.mark.parametrize("c", [100.1, -150.0, float("nan"), "strong"])
def test_bad_coherence_raises(c):
    net = Wang2002(N_E=200, N_I=50, f=0.15)
    with pytest.raises(ValueError, match="coherence"):
        net.run_trial(c, seed=0, t_stim=10.0)
    with pytest.raises(ValueError, match="coherence"):
        net.run_trials([0.0, c], 1, seed=0)


def test_bad_protocol_raises():
    net = Wang2002(N_E=200, N_I=50)
    with pytest.raises(ValueError, match="t_stim"):
        net.run_trial(0.0, seed=0, t_stim=-5.0)
    with pytest.raises(ValueError, match="window"):
        net.run_trial(0.0, seed=0, window=12.0)
    with pytest.raises(ValueError, match="n_trials"):
        net.run_trials([0.0], 0, seed=0)


# ---------------------------------------------------------------------------
# equations


def test_membrane_step_is_the_exact_lif_solution():
    # with conductances fixed, C dV/dt = -G (V - V_inf) is lif.rhs with tau = C/G, V_rest = V_inf, I = 0
    C, gL, gE, gI = 0.5, 25.0, 7.0, 3.0
    G = gL + gE + gI
    V_inf = (gL * -70.0 + gE * 0.0 + gI * -70.0) / G
    tau = C / G * 1e3  # ms
    p = np.array([V_inf, -55.0, -50.0, tau, 0.1, 2.0])

    def f(t, y):
        d = np.empty(1)
        lif.rhs(t, y, 0.0, p, d)
        return d

    ref = solve_ivp(f, (0, 0.1), [-52.0], method="DOP853", rtol=1e-12, atol=1e-12).y[0, -1]
    assert membrane_step(-52.0, C, gL, -70.0, gE, gI, 0.0, -70.0, 0.1) == pytest.approx(ref, abs=1e-10)


def test_weights_and_scaling_follow_the_paper():
    net = Wang2002()
    assert net.sizes.tolist() == [240, 240, 1120, 400]
    assert net.w_minus == pytest.approx(1 - 0.15 * 0.7 / 0.85)
    W = net.weights()
    # mean E-to-E weight onto a selective cell is 1 (the paper's normalisation)
    assert (W[0, :3] * net.sizes[:3]).sum() / net.N_E == pytest.approx(1.0)
    assert net.stimulus_rates(51.2) == pytest.approx((40 * 1.512, 40 * 0.488))


# ---------------------------------------------------------------------------
# the paper's network: winner-take-all and persistent activity


@pytest.fixture(scope="module")
def full_trial():
    # N = 2000, the paper's protocol: 0.5 s spontaneous, 1 s stimulus at c' = 51.2 %, 0.5 s delay (+0.5 s)
    return Wang2002().run_trial(51.2, seed=1, t_pre=500, t_stim=1000, t_post=1000, raster=20)


def test_spontaneous_state(full_trial):
    # Wang 2002: spontaneous rates ~2-3 Hz (E) and ~10 Hz (I)
    r = [full_trial.mean_rate(g, 100, 500) for g in GROUPS]
    assert all(0.5 < x < 6 for x in r[:3]), r
    assert 5 < r[3] < 15, r


def test_winner_take_all_at_high_coherence(full_trial):
    tr = full_trial
    off = tr.t_stim_off
    win = tr.mean_rate("E1", off - 200, off)
    lose = tr.mean_rate("E2", off - 200, off)
    assert tr.choice == 1 and 0 < tr.decision_time < 1000
    assert win > 20.0, win          # the winner's attractor (paper: ~30-40 Hz)
    assert lose < 5.0, lose         # the loser suppressed (spontaneous ~2-4 Hz)


def test_persistent_activity_after_the_stimulus(full_trial):
    tr = full_trial
    off = tr.t_stim_off
    spont = tr.mean_rate("E1", 100, tr.t_stim_on)
    # every 100 ms window of the 500 ms after stimulus offset stays well above spontaneous
    # (measured: 24, 17, 12, 14, 12 Hz against 4 Hz spontaneous)
    late = [tr.mean_rate("E1", off + a, off + a + 100) for a in range(0, 500, 100)]
    assert min(late) > max(8.0, 2 * spont), (late, spont)
    assert tr.mean_rate("E1", off, off + 500) > 10.0
    assert tr.mean_rate("E2", off, off + 500) < 5.0


def test_raster_and_rates_are_consistent(full_trial):
    tr = full_trial
    assert tr.raster_groups.tolist() == [0] * 20 + [1] * 20 + [2] * 20 + [3] * 20
    assert np.all(np.diff(tr.spike_times) >= 0)
    # 20 recorded E1 cells fire at about the group rate during the decision epoch
    off = tr.t_stim_off
    sel = (tr.spike_rows < 20) & (tr.spike_times > off - 200) & (tr.spike_times <= off)
    assert sel.sum() / 20 / 0.2 == pytest.approx(tr.mean_rate("E1", off - 200, off), rel=0.5)


def test_same_seed_same_trial():
    net = Wang2002(N_E=200, N_I=50)
    a = net.run_trial(10.0, seed=5, t_pre=100, t_stim=200, t_post=0)
    b = net.run_trial(10.0, seed=5, t_pre=100, t_stim=200, t_post=0)
    c = net.run_trial(10.0, seed=6, t_pre=100, t_stim=200, t_post=0)
    assert np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)


# ---------------------------------------------------------------------------
# psychometric and chronometric behaviour over trials
#
# Default run: a network of N = 1000 (N_E = 800, N_I = 200, f = 0.15, the
# paper's recurrent conductances scaled by 1600/N_E and 400/N_I, as the model
# does for any size) so 72 trials fit in ~40 s; its finite-size noise is
# larger than the paper's, which only makes the coherence effects harder to
# show.  Reaction-time protocol: 300 ms spontaneous, stimulus up to 2 s,
# each trial stops at the decision.

RT = dict(t_pre=300.0, t_stim=2000.0, t_post=0.0)


@pytest.fixture(scope="module")
def psy_small():
    return Wang2002(N_E=800, N_I=200).run_trials((0.0, 12.8, 51.2), 24, seed=7, **RT)


def _counts(psy, i):
    tr = psy.trials[i]
    dec = tr.choice > 0
    return int((tr.choice[dec] == 1).sum()), int(dec.sum())


def test_zero_coherence_is_a_coin_flip(psy_small):
    assert isinstance(psy_small, Psychometric)
    k, n = _counts(psy_small, 0)
    assert n >= 20  # nearly every trial decides within 2 s
    # not distinguishable from 50 % (two-sided binomial test; measured 13/24)
    assert binomtest(k, n, 0.5).pvalue > 0.01, (k, n)


def test_accuracy_rises_with_coherence(psy_small):
    k0, n0 = _counts(psy_small, 0)
    k2, n2 = _counts(psy_small, 2)
    # 51.2 %: above chance (one-sided binomial) and above 0 % (one-sided Fisher), both at p < 0.01
    assert binomtest(k2, n2, 0.5, alternative="greater").pvalue < 0.01
    assert fisher_exact([[k2, n2 - k2], [k0, n0 - k0]], alternative="greater")[1] < 0.01
    acc = psy_small.accuracy
    assert acc[0] <= acc[1] <= acc[2], acc  # measured 0.54, 0.87, 1.0
    # a Weibull curve fits: threshold alpha (81.6 % correct) between the tested coherences
    ks = [_counts(psy_small, i) for i in (1, 2)]
    alpha, beta = fit_weibull([12.8, 51.2], [k for k, _ in ks], [n for _, n in ks])
    assert 1.0 < alpha < 30.0, alpha


def test_decision_time_falls_with_coherence(psy_small):
    d0, d2 = (tr.decision_time[tr.choice > 0] for tr in (psy_small.trials[0], psy_small.trials[2]))
    # one-sided rank test at p < 0.01 (measured means 755 and 440 ms)
    assert mannwhitneyu(d0, d2, alternative="greater").pvalue < 0.01
    dt = psy_small.dt_mean
    assert dt[0] > dt[1] > dt[2], dt


@pytest.mark.slow
def test_full_network_psychometric():
    # the paper's N = 2000: 10 trials at 0 and at 51.2 % (~30 s)
    psy = Wang2002().run_trials((0.0, 51.2), 10, seed=7, **RT)
    k0, n0 = _counts(psy, 0)
    k2, n2 = _counts(psy, 1)
    assert binomtest(k0, n0, 0.5).pvalue > 0.01, (k0, n0)
    assert binomtest(k2, n2, 0.5, alternative="greater").pvalue < 0.01, (k2, n2)
    d0, d2 = (tr.decision_time[tr.choice > 0] for tr in psy.trials)
    assert mannwhitneyu(d0, d2, alternative="greater").pvalue < 0.01


def test_plots_take_data_and_return_axes(full_trial):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coursekit.plotting.wang2002 import plot_wang2002_raster, plot_wang2002_rates, plot_wang2002_trial

    fig, ax = plt.subplots()
    assert plot_wang2002_raster(full_trial, ax) is ax
    assert [l.get_label() for l in ax.lines][:2] == ["E1", "E2"] and ax.get_ylim()[1] == pytest.approx(39.5)
    assert plot_wang2002_rates(full_trial) is not None
    axes = plot_wang2002_trial(full_trial)
    assert len(axes) == 2
    plt.close("all")
