"""Phase-plane analysis: fixed points against closed forms, stability types,
nullclines on the rhs, the reduced HH model against the full rhs."""
import subprocess
import sys

import numpy as np
import pytest

import coursekit as ck
from coursekit import analysis as an
from coursekit.analysis import phase_plane as pp
from coursekit.neurons import LIF, FitzHughNagumo, HodgkinHuxley
from coursekit.neurons.hodgkin_huxley import steady_state

FHN_BOX = {"V": (-3.0, 3.0), "w": (-2.0, 3.0)}


# ---------------------------------------------------------------------------
# stability types


@pytest.mark.parametrize("eig, expected", [
    ([-1.0, -2.0], an.STABLE_NODE),
    ([1.0, 2.0], an.UNSTABLE_NODE),
    ([-0.1 + 1j, -0.1 - 1j], an.STABLE_FOCUS),
    ([0.1 + 1j, 0.1 - 1j], an.UNSTABLE_FOCUS),
    ([-1.0, 2.0], an.SADDLE),
    ([1j, -1j], an.CENTER),
    ([0.0, -1.0], an.NON_HYPERBOLIC),
    ([-3.0], an.STABLE),
    ([0.5], an.UNSTABLE),
    ([0.2 + 1j, 0.2 - 1j, -4.0, -0.1], an.SADDLE_FOCUS),
    ([-0.2 + 1j, -0.2 - 1j, -4.0, -0.1], an.STABLE_FOCUS),
])
def test_classify(eig, expected):
    assert an.classify(eig) == expected


# ---------------------------------------------------------------------------
# FitzHugh--Nagumo


@pytest.mark.parametrize("I, expected", [
    (0.0, an.STABLE_FOCUS), (0.3, an.STABLE_FOCUS),          # below the Hopf onset 0.3313
    (0.5, an.UNSTABLE_FOCUS), (1.0, an.UNSTABLE_NODE),       # between the Hopf points
    (1.5, an.STABLE_FOCUS), (2.0, an.STABLE_NODE),           # above the offset 1.4187
])
def test_fhn_fixed_point_and_type(I, expected):
    m = FitzHughNagumo()
    fps = an.fixed_points(m, FHN_BOX, I=I)
    assert len(fps) == 1
    fp = fps[0]
    # independent reference: the real root of the cubic (numpy.roots)
    V = m.fixed_point_V(I)
    assert fp["V"] == pytest.approx(V[0], abs=1e-9)
    assert fp["w"] == pytest.approx((V[0] + m.a) / m.b, abs=1e-9)
    assert fp.stability == expected
    assert fp.stable == expected.startswith("stable")
    # trace and determinant of the Jacobian, by hand from the equations
    J = np.array([[1 - V[0] ** 2, -1.0], [1 / m.tau, -m.b / m.tau]])
    np.testing.assert_allclose(fp.jacobian, J, atol=1e-8)


def test_fhn_bistable_saddle():
    # a = 0, b = 2: V - V^3/3 - V/2 = 0 has three roots, V = 0 and V = +-sqrt(3/2);
    # the middle one is a saddle (det J = (b(V^2 - 1) + 1)/tau < 0 at V = 0).
    m = FitzHughNagumo(a=0.0, b=2.0)
    fps = an.fixed_points(m, FHN_BOX, I=0.0)
    assert [fp.stability for fp in fps] == [an.STABLE_FOCUS, an.SADDLE, an.STABLE_FOCUS]
    np.testing.assert_allclose([fp["V"] for fp in fps], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], atol=1e-9)
    np.testing.assert_allclose([fp["V"] for fp in fps], m.fixed_point_V(0.0), atol=1e-9)
    saddle = fps[1]
    assert np.prod(saddle.eigenvalues.real) < 0


def test_fhn_nullclines_on_rhs_zero():
    m = FitzHughNagumo()
    I = 0.5
    ncl = an.nullclines(m, (-2.5, 2.5), (-1.0, 2.0), I=I, n=120)
    for k, name in enumerate(("V", "w")):
        P = ncl.points(name)
        assert P.shape[0] > 100
        d = m.derivative(P.T, I)
        # refined onto the zero of the rhs along each grid edge: rounding level
        assert np.max(np.abs(d[k])) < 1e-10
    # against the closed form: w = V - V^3/3 + I and w = (V + a)/b
    P = ncl.points("V")
    np.testing.assert_allclose(P[:, 1], P[:, 0] - P[:, 0] ** 3 / 3 + I, atol=1e-10)
    P = ncl.points("w")
    np.testing.assert_allclose(P[:, 1], (P[:, 0] + m.a) / m.b, atol=1e-10)
    # the w-nullcline is a straight line across the box: one connected chain
    seg = ncl.segments["w"]
    assert seg.shape[1:] == (2, 2)
    # unrefined marching squares: linear interpolation, O(h^2) error
    rough = an.nullclines(m, (-2.5, 2.5), (-1.0, 2.0), I=I, n=120, refine=False)
    dv = m.derivative(rough.points("V").T, I)[0]
    assert 1e-12 < np.max(np.abs(dv)) < 1e-2


def test_vector_field_is_the_rhs():
    m = FitzHughNagumo()
    vf = an.vector_field(m, (-2, 2), (-1, 1), I=0.2, n=7)
    assert vf.X.shape == vf.dX.shape == (7, 7)
    i, j = 3, 5
    np.testing.assert_array_equal([vf.dX[i, j], vf.dY[i, j]], m.derivative([vf.X[i, j], vf.Y[i, j]], 0.2))
    lif = LIF()
    vf1 = an.vector_field(lif, (-80, -40), I=50.0, n=5)
    np.testing.assert_allclose(vf1.dX, (-(vf1.x - lif.V_rest) + lif.R * 50.0) / lif.tau)


def test_fhn_trajectory_approaches_limit_cycle():
    m = FitzHughNagumo()
    res = an.trajectory(m, [0.0, 0.0], 300.0, I=0.5, dt=0.05)
    assert isinstance(res, ck.Result)
    assert res.spike_times.size >= 5


# ---------------------------------------------------------------------------
# LIF (one variable)


def test_lif_fixed_point_below_rheobase():
    lif = LIF()
    I = 0.5 * lif.rheobase()
    fps = an.fixed_points(lif, {"V": (-90.0, -40.0)}, I=I)
    assert len(fps) == 1
    assert fps[0]["V"] == pytest.approx(lif.V_rest + lif.R * I, abs=1e-9)
    assert fps[0].stability == an.STABLE
    assert fps[0].eigenvalues[0].real == pytest.approx(-1.0 / lif.tau, rel=1e-7)


# ---------------------------------------------------------------------------
# reduced Hodgkin--Huxley


def test_reduced_rhs_is_full_rhs_with_m_steady():
    hh = HodgkinHuxley()
    vn = an.ReducedModel(hh, keep=("V", "n"), fixed={"m": "steady", "h": 0.596})
    rng = np.random.default_rng(1)
    V = rng.uniform(-90, 40, 50)
    n = rng.uniform(0, 1, 50)
    m_inf = steady_state(V)[0]
    full = hh.derivative(np.stack([V, m_inf, np.full(50, 0.596), n]), I=3.0)
    red = vn.derivative(np.stack([V, n]), I=3.0)
    np.testing.assert_allclose(red, full[[0, 3]], rtol=1e-12, atol=1e-12)
    # single state too
    np.testing.assert_allclose(vn.derivative([V[0], n[0]], 3.0), full[[0, 3], 0], rtol=1e-12)
    # Rinzel's h = 0.89 - 1.1 n
    rz = an.reduced_hh(hh)
    np.testing.assert_allclose(rz.full_state(np.stack([V, n]))[2], 0.89 - 1.1 * n, rtol=1e-15)


def test_reduced_hh_fixed_points_classified():
    vn = an.reduced_hh(h=0.596)
    fps = an.fixed_points(vn, {"V": (-90.0, 40.0), "n": (0.0, 1.0)}, I=0.0, n_seeds=10)
    assert [fp.stability for fp in fps] == [an.STABLE_FOCUS, an.SADDLE, an.STABLE_NODE]
    assert fps[0]["V"] == pytest.approx(-65.0, abs=0.1)
    for fp in fps:
        assert np.max(np.abs(vn.derivative(fp.state))) < 1e-9
    rz = an.fixed_points(an.reduced_hh(h="rinzel"), {"V": (-90.0, 40.0), "n": (0.0, 1.0)}, n_seeds=10)
    assert len(rz) == 1 and rz[0].stable


def test_full_hh_fixed_point_equals_all_gates_steady():
    hh = HodgkinHuxley()
    v_only = an.ReducedModel(hh, keep="V", fixed={"m": "steady", "h": "steady", "n": "steady"})
    for I in (0.0, 5.0):
        (red,) = an.fixed_points(v_only, {"V": (-90.0, 40.0)}, I=I)
        (full,) = an.fixed_points(hh, {"V": (-90.0, 40.0)}, I=I)
        assert red["V"] == pytest.approx(full["V"], abs=1e-9)
        np.testing.assert_allclose(full.state[1:], [float(x) for x in steady_state(full["V"])], atol=1e-10)
        assert full.stability == an.STABLE_FOCUS
    assert an.fixed_points(hh, {"V": (-90.0, 40.0)})[0]["V"] == pytest.approx(hh.resting_potential(), abs=1e-8)


def test_reduced_trajectory_goes_to_rest():
    vn = an.reduced_hh(h=0.596)
    # bistable with h frozen: below the saddle (V = -52.08 mV) to rest, above it to the upper node
    fps = an.fixed_points(vn, {"V": (-90.0, 40.0), "n": (0.0, 1.0)}, n_seeds=8)
    res = an.trajectory(vn, [-64.0, 0.31], 200.0, dt=0.5)
    np.testing.assert_allclose(res.y[:, -1], fps[0].state, atol=1e-3)
    res = an.trajectory(vn, [-40.0, 0.5], 200.0, dt=0.5)
    np.testing.assert_allclose(res.y[:, -1], fps[2].state, atol=1e-3)
    via_kwargs = an.nullclines(HodgkinHuxley(), (-90, 40), (0, 1), n=40, variables=("V", "n"),
                               fixed={"m": "steady", "h": 0.596})
    assert via_kwargs.segments["V"].shape[0] > 0


# ---------------------------------------------------------------------------
# bad input and imports


def test_bad_input():
    m = FitzHughNagumo()
    with pytest.raises(ValueError, match="x_range"):
        an.vector_field(m, (1, 0), (0, 1))
    with pytest.raises(ValueError, match="region"):
        an.fixed_points(m, {"q": (0, 1)})
    with pytest.raises(ValueError, match="Reduce it"):
        an.vector_field(HodgkinHuxley(), (-80, 40), (0, 1))
    with pytest.raises(ValueError, match="missing 'h'"):
        an.ReducedModel(HodgkinHuxley(), keep=("V", "n"), fixed={"m": "steady"})
    with pytest.raises(ValueError, match="affine"):
        an.ReducedModel(m, keep=("w",), fixed={"V": "steady"})
    with pytest.raises(ValueError, match="n_seeds"):
        an.fixed_points(m, FHN_BOX, n_seeds=1)


def test_import_analysis_without_matplotlib():
    code = "import sys, coursekit.analysis; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert pp.STABILITY_TYPES
