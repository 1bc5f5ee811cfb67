"""Adam (Kingma & Ba 2015, Algorithm 1) and gradient-norm clipping."""
import numpy as np
import pytest

from coursekit.learning.optim import Adam, clip_by_norm, global_norm


def test_adam_moves_each_parameter_by_lr_for_a_constant_gradient():
    # with a constant gradient g the bias-corrected moments are exactly m^ = g and v^ = g^2 at every
    # step, so each parameter moves by lr g / (|g| + eps): lr in the direction of -g, whatever |g|
    g = {"a": np.array([3.0, -1e-3, 250.0]), "b": np.array([[-7.0]])}
    p = {"a": np.zeros(3), "b": np.zeros((1, 1))}
    opt = Adam(lr=0.01, eps=1e-8)
    for step in range(1, 6):
        p = opt.step(p, g)
        np.testing.assert_allclose(p["a"], -step * 0.01 * g["a"] / (np.abs(g["a"]) + 1e-8), rtol=1e-12)
        np.testing.assert_allclose(p["b"], -step * 0.01 * np.sign(g["b"]), rtol=1e-8)  # eps/|g| = 1.4e-9


def test_adam_bias_correction_of_the_first_steps():
    # gradients g1 then g2: m2 = b1(1-b1) g1 + (1-b1) g2, v2 = b2(1-b2) g1^2 + (1-b2) g2^2, corrected by
    # 1 - b1^2 and 1 - b2^2 (written out by hand from Algorithm 1)
    b1, b2, lr = 0.9, 0.999, 0.1
    opt = Adam(lr=lr, beta1=b1, beta2=b2, eps=1e-14)
    p = opt.step({"w": np.array([0.0])}, {"w": np.array([2.0])})
    p = opt.step(p, {"w": np.array([-1.0])})
    m2 = b1 * (1 - b1) * 2.0 + (1 - b1) * -1.0
    v2 = b2 * (1 - b2) * 4.0 + (1 - b2) * 1.0
    second = lr * (m2 / (1 - b1 ** 2)) / np.sqrt(v2 / (1 - b2 ** 2))
    assert p["w"][0] == pytest.approx(-lr - second, rel=1e-10)


def test_adam_minimises_a_badly_scaled_quadratic():
    scales = np.array([1e-2, 1.0, 1e2])
    p = {"x": np.array([1.0, 1.0, 1.0])}
    opt = Adam(lr=0.05)
    for _ in range(2000):
        p = opt.step(p, {"x": 2 * scales * p["x"]})
    assert np.all(np.abs(p["x"]) < 1e-2)


def test_clip_by_norm_rescales_only_large_gradients_and_keeps_the_direction():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert global_norm(g) == 5.0
    clipped, norm = clip_by_norm(g, 1.0)
    assert norm == 5.0 and global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    same, _ = clip_by_norm(g, 10.0)
    np.testing.assert_array_equal(same["b"], g["b"])
    assert g["a"][0] == 3.0  # the input is not changed


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(lr=0), r"lr must be in \(0, inf\)"),
    (dict(beta1=1.0), r"beta1 must be in \(0, 1\)"),
    (dict(beta2=-0.1), r"beta2 must be in \(0, 1\)"),
    (dict(eps=float("nan")), r"eps must be in"),
])
def test_invalid_optimiser_settings(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Adam(**kwargs)


def test_invalid_clipping_and_mismatched_gradients():
    with pytest.raises(ValueError, match="max_norm must be in"):
        clip_by_norm({"a": np.ones(2)}, 0.0)
    opt = Adam()
    opt.step({"a": np.zeros(2)}, {"a": np.ones(2)})
    with pytest.raises(ValueError, match=r"grads must have the keys \['a'\]"):
        opt.step({"a": np.zeros(2)}, {"b": np.ones(2)})
