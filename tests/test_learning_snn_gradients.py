"""Gradients of a spiking network (coursekit.learning.snn): BPTT and forward mode, two independent
computations of the same surrogate gradient, agree to rounding error; BPTT against central differences
(i) of the smooth network whose exact gradient the surrogate graph is, and (ii) of the spiking network
itself where no perturbation changes the spike pattern (asserted), where the true gradient is exact and
the surrogate's readout blocks must be too; the surrogates against their own smooth steps."""
import re

import numpy as np
import pytest
from scipy.integrate import quad

from coursekit.learning.gradcheck import numerical_gradient, relative_error
from coursekit.learning.snn import ALIF, LIF, RateRegulariser, Readout, SpikingNetwork, smooth_step, surrogate_gradient
from coursekit.learning.snn.bptt import bptt
from coursekit.learning.snn.forward import forward_mode
from coursekit.learning.snn.loss import LOSSES, network_loss
from coursekit.learning.snn.surrogate import SURROGATES

T, B, N_IN, N = 14, 2, 4, 5
LABELS = np.array([0, 2])


def _problem(hidden, seed=1, readout=Readout(3), weight_scale=3.0):
    net = SpikingNetwork(N_IN, hidden, readout, dt=1.0, weight_scale=weight_scale, recurrent_scale=1.0, seed=seed)
    net.params["b"] = np.random.default_rng(seed + 5).normal(0.0, 0.2, N)
    u = (np.random.default_rng(seed + 10).random((T, B, N_IN)) < 0.4).astype(float)
    return net, u


# every option of the layer appears in at least one case; recurrent, so that every path of the graph is used
CASES = {
    "lif-subtract-attached-sigmoid": LIF(N, recurrent=True, detach_reset=False, surrogate="sigmoid", scale=2.0),
    "lif-subtract-detached-triangular": LIF(N, recurrent=True, surrogate="triangular", scale=0.5),
    "lif-zero-attached-delta-synapse": LIF(N, recurrent=True, tau_syn=None, reset="zero", detach_reset=False,
                                           surrogate="fast_sigmoid", scale=3.0),
    "alif-zero-attached-arctan": ALIF(N, recurrent=True, reset="zero", detach_reset=False, surrogate="arctan",
                                      scale=2.0, tau_adapt=30.0),
    "alif-subtract-detached-peak": ALIF(N, recurrent=True, tau_syn=None, normalise="peak", tau_adapt=50.0,
                                        beta_adapt=0.5),
    "lif-feedforward": LIF(N, surrogate="fast_sigmoid", scale=5.0),
}
REG = RateRegulariser(strength=1e-4, target=50.0)


@pytest.mark.parametrize("name", list(CASES))
def test_bptt_equals_forward_mode(name):
    net, u = _problem(CASES[name])
    z = net.run(u).z
    assert 0.05 < z.mean() < 0.6  # spikes, and silence: every branch of the backward pass is exercised
    worst = 0.0
    for loss in LOSSES:
        for reg in (None, REG):
            for smooth in (False, True):
                lb, gb = bptt(net, u, LABELS, loss=loss, regulariser=reg, smooth=smooth)
                lf, gf = forward_mode(net, u, LABELS, loss=loss, regulariser=reg, smooth=smooth)
                assert lb == pytest.approx(lf, rel=1e-13, abs=1e-13)
                assert set(gb) == set(gf) == set(net.params)
                err = relative_error(gb, gf)
                assert err < 1e-6, (loss, reg, smooth)
                worst = max(worst, err)
    assert worst < 1e-12  # measured <= 6e-16: the same chain rule summed in the other order


@pytest.mark.parametrize("name", ["lif-subtract-attached-sigmoid", "lif-zero-attached-delta-synapse",
                                  "alif-zero-attached-arctan"])
@pytest.mark.parametrize("loss", ["mean", "per_step"])
def test_bptt_is_the_exact_gradient_of_the_smooth_network(name, loss):
    # spikes replaced by the smooth step whose derivative is the surrogate: the surrogate graph is then the true
    # graph, and central differences (h = 1e-5, truncation ~ h^2) check every line of the backward pass
    net, u = _problem(CASES[name])
    _, g = bptt(net, u, LABELS, loss=loss, regulariser=REG, smooth=True)
    fd = numerical_gradient(lambda p: network_loss(net.with_params(p), u, LABELS, loss=loss, regulariser=REG,
                                                   smooth=True), net.params, h=1e-5)
    for k in g:
        assert relative_error(g[k], fd[k]) < 1e-6, k


def test_detached_reset_is_not_the_smooth_networks_gradient():
    # the detached reset drops a real path: against the smooth network's differences it must miss
    hid = LIF(N, recurrent=True, detach_reset=True, surrogate="sigmoid", scale=2.0)
    net, u = _problem(hid)
    _, g = bptt(net, u, LABELS, smooth=True)
    fd = numerical_gradient(lambda p: network_loss(net.with_params(p), u, LABELS, smooth=True), net.params)
    assert relative_error(g["W_in"], fd["W_in"]) > 1e-3
    assert relative_error(g["W_out"], fd["W_out"]) < 1e-8  # the readout is not behind a reset


def test_bptt_against_differences_of_the_spiking_network_where_the_spikes_do_not_change():
    net, u = _problem(CASES["lif-subtract-detached-triangular"])
    h = 1e-6
    base = net.run(u)
    # the case: every perturbation of every parameter by +-h leaves the whole spike raster as it is
    nearest = np.min(np.abs(base.x))
    assert nearest > 1e-4  # no neuron within 1e-4 V_th of threshold at any step
    changed = 0
    for k, arr in net.params.items():
        for i in range(arr.size):
            for sign in (1.0, -1.0):
                p = {kk: vv.copy() for kk, vv in net.params.items()}
                p[k].reshape(-1)[i] += sign * h
                changed += int(np.any(net.with_params(p).run(u).z != base.z))
    assert changed == 0
    fd = numerical_gradient(lambda p: network_loss(net.with_params(p), u, LABELS), net.params, h=h)
    # the loss is flat in every hidden weight there: the true derivative of a spike is zero
    for k in ("W_in", "W_rec", "b"):
        assert np.all(fd[k] == 0.0), k
    true_net = net.with_layers(hidden=LIF(N, recurrent=True, surrogate="true"))
    _, g_true = bptt(true_net, u, LABELS)
    for k in ("W_in", "W_rec", "b"):
        assert np.all(g_true[k] == 0.0)
    assert relative_error(g_true, fd) < 1e-6
    # the surrogate changes only what lies behind a spike: the readout's gradient is the exact one
    _, g_sur = bptt(net, u, LABELS)
    for k in ("W_out", "b_out"):
        assert relative_error(g_sur[k], fd[k]) < 1e-6, k
    assert np.linalg.norm(g_sur["W_in"]) > 1e-3


@pytest.mark.parametrize("name", [n for n in SURROGATES if n != "true"])
@pytest.mark.parametrize("scale", [0.7, 10.0])
def test_surrogate_is_the_derivative_of_its_smooth_step_with_unit_area(name, scale):
    area, _ = quad(lambda x: float(surrogate_gradient(x, name, scale)), -np.inf, np.inf, points=None, limit=200)
    assert area == pytest.approx(1.0, rel=1e-6)
    x = np.linspace(-1.5, 1.5, 61) + 1e-3  # off the triangle's corners
    h = 1e-6
    num = (smooth_step(x + h, name, scale) - smooth_step(x - h, name, scale)) / (2 * h)
    np.testing.assert_allclose(surrogate_gradient(x, name, scale), num, rtol=1e-6, atol=1e-8)
    assert smooth_step(-1e3, name, scale) < 2e-3 and smooth_step(1e3, name, scale) > 1 - 2e-3
    assert surrogate_gradient(0.0, name, scale, normalise="peak") == pytest.approx(1.0)
    assert np.argmax(surrogate_gradient(x - 1e-3, name, scale)) == 30  # peaked at threshold


def test_surrogate_by_name_matches_the_published_forms():
    x = np.array([-0.8, -0.1, 0.0, 0.3, 2.0])
    k = 4.0
    # SuperSpike (Zenke & Ganguli 2018): 1 / (1 + k|x|)^2 with peak 1
    np.testing.assert_allclose(surrogate_gradient(x, "fast_sigmoid", k, "peak"), 1 / (1 + k * np.abs(x)) ** 2)
    s = 1 / (1 + np.exp(-k * x))
    np.testing.assert_allclose(surrogate_gradient(x, "sigmoid", k), k * s * (1 - s))
    np.testing.assert_allclose(surrogate_gradient(x, "triangular", 1.0, "peak"), np.maximum(0, 1 - np.abs(x)))
    np.testing.assert_allclose(surrogate_gradient(x, "arctan", k), k / 2 / (1 + (np.pi * k * x / 2) ** 2))
    assert np.all(surrogate_gradient(x, "true") == 0.0)


@pytest.mark.parametrize("call, message", [
    (lambda: surrogate_gradient(0.0, "gauss"), "surrogate must be one of"),
    (lambda: surrogate_gradient(0.0, "sigmoid", -1.0), "scale must be > 0"),
    (lambda: LIF(10, tau_mem=-5.0), "tau_mem must be > 0 ms"),
    (lambda: LIF(10, tau_syn=0.0), "tau_syn must be > 0 ms or None"),
    (lambda: LIF(10, V_th=0.0), "V_th must be > 0"),
    (lambda: LIF(10, reset="hold"), "reset must be one of subtract, zero"),
    (lambda: LIF(0), "n must be a positive integer"),
    (lambda: ALIF(10, tau_adapt=-1.0), "tau_adapt must be > 0 ms"),
    (lambda: ALIF(10, beta_adapt=-0.1), "beta_adapt must be >= 0"),
    (lambda: Readout(3, tau_out=-2.0), "tau_out must be > 0 ms"),
    (lambda: SpikingNetwork(4, LIF(5), Readout(2), dt=0.0), "dt must be > 0 ms"),
    (lambda: RateRegulariser(strength=-1.0), "strength must be >= 0 1/Hz^2"),
    (lambda: RateRegulariser(target=-3.0), "target must be >= 0 Hz"),
])
def test_invalid_parameters_name_parameter_unit_and_range(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_bad_labels_and_loss_kind():
    net, u = _problem(CASES["lif-feedforward"])
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\]"):
        bptt(net, u, np.array([0, 3]))
    with pytest.raises(ValueError, match="loss must be one of mean, max, last, per_step"):
        bptt(net, u, LABELS, loss="sum")
    with pytest.raises(ValueError, match=r"u must have shape \(T, B, n_in\)"):
        bptt(net, u[:, :, :2], LABELS)
