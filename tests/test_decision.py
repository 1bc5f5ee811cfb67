"""The reduced decision model of Wong & Wang (2006): fixed points and their
stability with the phase-plane tools, the noise process, and the behaviour
over many trials (psychometric and chronometric curves, slow errors).

Statistical tolerances: choice fractions are compared with binomial standard
errors sqrt(p(1-p)/n), mean decision times with their standard errors; every
margin is at least 3 of them (and the seeds are fixed, so a run is exact).
"""
import math

import numpy as np
import pytest

import coursekit as ck
from coursekit.analysis.phase_plane import fixed_points, nullclines
from coursekit.networks.decision import (WongWang, fit_logistic, fit_weibull, logistic, psychometric,
                                         run_trials, transfer, weibull)

PLANE = dict(variables=("S1", "S2"), fixed={"I_noise1": 0.0, "I_noise2": 0.0})
BOX = {"S1": (0.0, 1.0), "S2": (0.0, 1.0)}


def _fps(model, mu0):
    return fixed_points(model, BOX, I=mu0, n_seeds=21, **PLANE)


def test_rhs_matches_the_paper_equations_at_a_point():
    # independent reference: Eqs. 1-8 of Wong & Wang (2006) typed in seconds and Hz
    m = WongWang(coherence=25.6)
    y = np.array([0.3, 0.2, 0.01, -0.005])
    mu0 = 30.0
    x1 = 0.2609 * 0.3 - 0.0497 * 0.2 + 0.3255 + 5.2e-4 * mu0 * 1.256 + 0.01
    x2 = 0.2609 * 0.2 - 0.0497 * 0.3 + 0.3255 + 5.2e-4 * mu0 * 0.744 - 0.005
    H = lambda x: (270 * x - 108) / (1 - math.exp(-0.154 * (270 * x - 108)))
    dS1 = -0.3 / 0.1 + 0.7 * 0.641 * H(x1)   # per second
    dS2 = -0.2 / 0.1 + 0.8 * 0.641 * H(x2)
    d = m.derivative(y, I=mu0)
    np.testing.assert_allclose(d, [dS1 / 1000, dS2 / 1000, -0.01 / 2, 0.005 / 2], rtol=1e-12)
    np.testing.assert_allclose(m.rates(y, mu0), [H(x1), H(x2)], rtol=1e-12)


def test_transfer_function_is_continuous_at_its_removable_singularity():
    a, b, d = 270.0, 108.0, 0.154
    x0 = b / a
    for h in (1e-12, 1e-9, 1e-7, 1e-5):
        assert transfer(x0 + h, a, b, d) == pytest.approx(1 / d + 0.5 * a * h, rel=1e-6)
        u = a * (x0 + 1e-3) - b
        assert transfer(x0 + 1e-3, a, b, d) == pytest.approx(u / (1 - math.exp(-d * u)), rel=1e-12)


def test_no_stimulus_spontaneous_state_two_memory_states_and_two_saddles():
    # Wong & Wang (2006), Fig. 5: at mu0 = 0 the symmetric low-activity state
    # coexists with two persistent (working-memory) attractors, separated by saddles.
    fps = _fps(WongWang(), 0.0)
    kinds = [f.stability for f in fps]
    assert kinds.count("stable node") == 3 and kinds.count("saddle") == 2, fps
    low = [f for f in fps if f.stable and abs(f["S1"] - f["S2"]) < 1e-6]
    assert len(low) == 1
    r = WongWang().rates([low[0]["S1"], low[0]["S2"], 0, 0])
    assert 0.5 < r[0] < 5.0  # spontaneous rate, a few Hz
    assert low[0].state[0] == pytest.approx(WongWang().initial_state()[0], rel=1e-8)
    memory = [f for f in fps if f.stable and abs(f["S1"] - f["S2"]) > 0.3]
    assert len(memory) == 2
    assert max(WongWang().rates([memory[0]["S1"], memory[0]["S2"], 0, 0])) > 20.0


def test_stimulus_at_zero_coherence_two_decision_attractors_and_a_saddle():
    fps = _fps(WongWang(), 30.0)
    assert [f.stability for f in fps] == ["stable node", "saddle", "stable node"]
    saddle = fps[1]
    assert saddle["S1"] == pytest.approx(saddle["S2"], abs=1e-8)  # on the symmetry line
    # the attractors are mirror images (S1 <-> S2)
    assert fps[0]["S1"] == pytest.approx(fps[2]["S2"], abs=1e-8)


def test_large_coherence_leaves_one_attractor_for_the_correct_choice():
    fps = _fps(WongWang(coherence=80.0), 30.0)
    assert len(fps) == 1 and fps[0].stability == "stable node"
    assert fps[0]["S1"] > 0.5 > fps[0]["S2"]
    # at moderate coherence the wrong attractor still exists (errors remain possible)
    assert len(_fps(WongWang(coherence=25.6), 30.0)) == 3


def test_fixed_points_lie_on_both_nullclines():
    m = WongWang()
    nc = nullclines(m, (0, 1), (0, 1), I=30.0, n=120, **PLANE)
    for f in _fps(m, 30.0):
        for name in ("S1", "S2"):
            pts = nc.points(name)
            dist = np.min(np.hypot(pts[:, 0] - f["S1"], pts[:, 1] - f["S2"]))
            assert dist < 2e-2, (name, f)  # grid spacing 1/120: segments pass within a cell


def test_noise_is_the_papers_ou_process():
    # tau dI = -I dt + sqrt(tau) sigma dW: stationary sd sigma/sqrt(2); Euler-Maruyama
    # with step dt gives variance sigma^2 / (2 - dt/tau) exactly.
    m = WongWang(sigma_noise=0.02, J_N11=0.0, J_N12=0.0)  # decoupled S, keeps the noise
    res = ck.simulate(m, 20000.0, dt=0.1, method="euler_maruyama", seed=3)
    sd_expected = 0.02 / math.sqrt(2 - 0.1 / 2.0)
    # ~ 20000 ms / (2 tau) = 5000 independent samples: relative SE of the sd ~ 1 %
    assert np.std(res["I_noise1"][1000:]) == pytest.approx(sd_expected, rel=0.05)
    assert np.std(res["I_noise2"][1000:]) == pytest.approx(sd_expected, rel=0.05)


def test_decision_then_persistent_activity_after_the_stimulus():
    m = WongWang(coherence=51.2)
    res = ck.simulate(m, 3000.0, dt=0.1, I=ck.inputs.step(30.0, 500.0, 1500.0),
                      method="euler_maruyama", seed=5)
    r = m.rates(np.array([res["S1"], res["S2"], res["I_noise1"], res["I_noise2"]]),
                mu0=0.0)  # rates without stimulus are those after offset
    late = (res.t > 2500)
    assert r[0, late].mean() > 15.0 > 5.0 > r[1, late].mean()  # winner persists, loser silent


@pytest.fixture(scope="module")
def psy():
    return psychometric(WongWang(), coherences=(0.0, 6.4, 12.8, 25.6, 51.2), n_trials=400, dt=0.2, seed=11)


def test_choice_is_a_coin_flip_at_zero_coherence(psy):
    p = psy.p_choice1[0]
    assert psy.n_decided[0] == 400
    assert abs(p - 0.5) < 3 * math.sqrt(0.25 / 400)


def test_accuracy_rises_and_decision_time_falls_with_coherence(psy):
    acc = psy.accuracy[1:]
    se = np.sqrt(acc * (1 - acc) / 400) + 1e-3
    assert np.all(np.diff(acc) > -2 * se[1:])  # non-decreasing within error
    assert acc[0] < 0.95 and acc[-1] == 1.0
    assert acc[0] - 0.5 > 3 * math.sqrt(0.25 / 400)
    dtm = psy.dt_mean
    assert np.all(np.diff(dtm) < -3 * psy.dt_sem[1:])  # strictly falling, by > 3 SE
    assert dtm[0] > 1.8 * dtm[-1]


def test_weibull_fit_of_the_model_and_recovery_on_synthetic_data(psy):
    rng = np.random.default_rng(0)
    c = np.array([3.2, 6.4, 12.8, 25.6, 51.2])
    n = np.full(c.size, 2000)
    k = rng.binomial(n, weibull(c, 9.0, 1.4))
    alpha, beta = fit_weibull(c, k, n)
    assert alpha == pytest.approx(9.0, rel=0.1) and beta == pytest.approx(1.4, rel=0.15)
    k = rng.binomial(n, logistic(c - 20, 2.0, 6.0))
    bias, scale = fit_logistic(c - 20, k, n)
    assert bias == pytest.approx(2.0, abs=0.5) and scale == pytest.approx(6.0, rel=0.1)
    cc = psy.coherence[1:]
    alpha, beta = fit_weibull(cc, np.round(psy.accuracy[1:] * psy.n_decided[1:]), psy.n_decided[1:])
    assert 2.0 < alpha < 15.0  # threshold coherence of the order of the monkeys' (~ 5-10 %)


def test_errors_are_slower_than_correct_trials():
    # Wong & Wang (2006), Fig. 9: at low coherence error trials take longer.
    tr = run_trials(WongWang(), 2000, coherence=6.4, dt=0.2, seed=21)
    err = tr.decided & ~tr.correct
    cor = tr.correct
    assert err.sum() > 150
    d_err, d_cor = tr.decision_time[err], tr.decision_time[cor]
    se = math.sqrt(d_err.var(ddof=1) / d_err.size + d_cor.var(ddof=1) / d_cor.size)
    assert d_err.mean() - d_cor.mean() > 3 * se


def test_trials_are_reproducible_and_recorded():
    a = run_trials(n_trials=20, coherence=12.8, dt=0.5, seed=4, record=2, record_every=1)
    b = run_trials(n_trials=20, coherence=12.8, dt=0.5, seed=4, record=2, record_every=1)
    np.testing.assert_array_equal(a.choice, b.choice)
    np.testing.assert_array_equal(a.decision_time, b.decision_time)
    assert a.rates.shape == (2, a.t.size, 2)
    # the recorded rate of the winner first reaches the threshold in the step of the decision time
    for k in range(2):
        w = a.choice[k] - 1
        i = np.searchsorted(a.t, a.decision_time[k])
        assert np.all(a.rates[k, :i, :].max(axis=0) < 15.0) and a.rates[k, i, w] >= 15.0


@pytest.mark.parametrize("kwargs, word", [
    (dict(coherence=150.0), "coherence"),
    (dict(coherence=-101.0), "coherence"),
    (dict(mu0=-5.0), "mu0"),
    (dict(n_trials=0), "n_trials"),
    (dict(dt=0.0), "dt"),
    (dict(threshold=-1.0), "threshold"),
])
def test_bad_input_names_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        run_trials(**kwargs)


def test_bad_model_parameters():
    with pytest.raises(ValueError, match=r"coherence must be in \[-100, 100\] %"):
        WongWang(coherence=120)
    with pytest.raises(ValueError, match="tau_S must be > 0 ms"):
        WongWang(tau_S=-1)
    with pytest.raises(ValueError, match="coherences"):
        psychometric(coherences=(0, 200), n_trials=2)
