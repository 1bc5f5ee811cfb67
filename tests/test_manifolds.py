"""Manifolds of a saddle (coursekit.analysis.manifolds) against independent references.

* A system whose manifolds are known in closed form: x' = -x, y' = y + x^2 has a
  saddle at the origin with stable manifold y = -x^2/3 (substitute y = h(x) in
  y' = h'(x) x': h + x^2 = -x h', so h = -x^2/3) and unstable manifold x = 0.
* The Wong & Wang (2006) decision model: at zero coherence the model is
  symmetric under S1 <-> S2, so the stable manifold of the saddle is the
  diagonal and the unstable branches end on the two mirror-image attractors;
  at non-zero coherence the stable manifold is checked by forward integration
  with scipy's DOP853 at tight tolerances (an independent integrator): a point
  on it flows to the saddle, points just off it on either side go to the two
  different attractors.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from coursekit.analysis.manifolds import SaddleManifolds, saddle_directions, saddle_manifolds
from coursekit.analysis.phase_plane import fixed_points
from coursekit.analysis.reduced import ReducedModel
from coursekit.networks.decision import WongWang

PLANE = dict(variables=("S1", "S2"), fixed={"I_noise1": 0.0, "I_noise2": 0.0})
BOX = {"S1": (0.0, 1.0), "S2": (0.0, 1.0)}


class QuadraticSaddle:
    """x' = -x, y' = y + x^2 (dimensionless): stable manifold y = -x^2/3, unstable x = 0."""

    state_names = ("x", "y")

    def derivative(self, y, I=0.0, t=0.0):
        y = np.asarray(y, dtype=float)
        return np.array([-y[0], y[1] + y[0] ** 2])

    def jacobian(self, y, I=0.0, t=0.0):
        return np.array([[-1.0, 0.0], [2.0 * y[0], 1.0]])


def test_manifolds_of_a_system_with_known_manifolds():
    res = saddle_manifolds(QuadraticSaddle(), [0.0, 0.0], {"x": (-1.0, 1.0), "y": (-1.0, 1.0)})
    assert isinstance(res, SaddleManifolds)
    assert np.allclose(np.abs(res.stable_direction), [1.0, 0.0]) and np.allclose(np.abs(res.unstable_direction),
                                                                                  [0.0, 1.0])
    ends = sorted(float(b[-1, 0]) for b in res.stable)
    assert ends == pytest.approx([-1.0, 1.0], abs=1e-9)       # each branch runs to the edge of the box
    for b in res.stable:
        assert np.all(np.diff(np.abs(b[:, 0])) > 0)            # away from the saddle
        assert np.max(np.abs(b[:, 1] + b[:, 0] ** 2 / 3)) < 1e-8
    for b in res.unstable:
        assert np.max(np.abs(b[:, 0])) < 1e-12
    assert sorted(float(b[-1, 1]) for b in res.unstable) == pytest.approx([-1.0, 1.0], abs=1e-9)


@pytest.fixture(scope="module")
def decision_plane():
    out = {}
    for c in (0.0, 25.6):
        m = WongWang(coherence=c)
        fps = fixed_points(m, BOX, I=30.0, n_seeds=11, **PLANE)
        saddle = next(f for f in fps if f.stability == "saddle")
        out[c] = (m, fps, saddle_manifolds(m, saddle, BOX, I=30.0, **PLANE))
    return out


def test_decision_boundary_is_the_diagonal_at_zero_coherence(decision_plane):
    m, fps, res = decision_plane[0.0]
    for b in res.stable:
        assert np.max(np.abs(b[:, 0] - b[:, 1])) < 1e-9
    # one branch reaches S1 = S2 = 1, the other S1 = S2 = 0 (the corners of the box)
    assert sorted(float(b[-1, 0]) for b in res.stable) == pytest.approx([0.0, 1.0], abs=1e-6)
    attractors = sorted(tuple(f.state) for f in fps if f.stable)
    ends = sorted(tuple(b[-1]) for b in res.unstable)
    assert np.allclose(ends, attractors, atol=1e-5)


def _forward(m, y0, T=6000.0):
    red = ReducedModel(m, ("S1", "S2"), {"I_noise1": 0.0, "I_noise2": 0.0})
    sol = solve_ivp(lambda t, y: red.derivative(y, 30.0, t), (0.0, T), y0, method="DOP853", rtol=1e-11,
                    atol=1e-13, dense_output=True)
    return sol


def test_stable_manifold_separates_the_basins(decision_plane):
    m, fps, res = decision_plane[25.6]
    saddle = res.saddle.state
    attractors = [f.state for f in fps if f.stable]
    assert len(attractors) == 2
    for branch in res.stable:   # a point on each branch, 0.1 or more from the saddle
        point = branch[np.argmax(np.linalg.norm(branch - saddle, axis=1) > 0.1)]
        _flows_into_the_saddle_and_separates(m, res, point, saddle, attractors)


def _flows_into_the_saddle_and_separates(m, res, point, saddle, attractors):
    start = np.linalg.norm(point - saddle)
    assert start > 0.1
    sol = _forward(m, point)
    d = np.linalg.norm(sol.sol(np.linspace(0.0, 6000.0, 3001)).T - saddle, axis=1)
    assert d.min() < 1e-2 * start        # it flows into the saddle before noise in the digits takes it away
    # just off the boundary, on either side: the two different attractors
    normal = np.array([-res.stable_direction[1], res.stable_direction[0]])
    ends = []
    for side in (1.0, -1.0):
        end = _forward(m, point + side * 1e-3 * normal).y[:, -1]
        ends.append(int(np.argmin([np.linalg.norm(end - a) for a in attractors])))
        assert min(np.linalg.norm(end - a) for a in attractors) < 1e-6
    assert sorted(ends) == [0, 1]


def test_bad_input_names_the_problem(decision_plane):
    m, fps, res = decision_plane[0.0]
    stable = next(f for f in fps if f.stable)
    with pytest.raises(ValueError, match="not a saddle"):
        saddle_manifolds(m, stable, BOX, I=30.0, **PLANE)
    with pytest.raises(ValueError, match="region must bound both variables"):
        saddle_manifolds(m, res.saddle, {"S1": (0.0, 1.0)}, I=30.0, **PLANE)
    with pytest.raises(ValueError, match="eps"):
        saddle_manifolds(m, res.saddle, BOX, I=30.0, eps=0.5, **PLANE)
    with pytest.raises(ValueError, match="2 variables"):
        saddle_manifolds(m, [0.4, 0.4, 0.0, 0.0], BOX, I=30.0)


def test_saddle_directions_are_the_eigenvectors():
    # J = [[1, 2], [2, 1]]: eigenvalues -1 (along (1, -1)) and 3 (along (1, 1))
    v_s, v_u = saddle_directions([[1.0, 2.0], [2.0, 1.0]])
    np.testing.assert_allclose(v_s, np.array([1.0, -1.0]) / np.sqrt(2), atol=1e-15)
    np.testing.assert_allclose(v_u, np.array([1.0, 1.0]) / np.sqrt(2), atol=1e-15)
    v_s, v_u = saddle_directions([[-2.0, 0.0], [0.0, 0.5]])
    np.testing.assert_allclose(v_s, [1.0, 0.0])
    np.testing.assert_allclose(v_u, [0.0, 1.0])
    for J in ([[-1.0, 0.0], [0.0, -2.0]], [[0.0, 1.0], [-1.0, 0.0]], np.eye(3)):
        with pytest.raises(ValueError):
            saddle_directions(J)
