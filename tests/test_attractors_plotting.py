"""Plot helpers of the attractor sessions: draw the given data on the given Axes, return it."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit.networks.attractors import (  # noqa: E402
    CANN1D,
    CapacityCurve,
    TrackingPhaseDiagram,
    bump_profile,
)
from coursekit.plotting import attractors as P  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_bump_snapshots_draw_the_data(ax):
    m = CANN1D(N=64)
    U = np.stack([bump_profile(m, 0.0), bump_profile(m, 1.0)])
    assert P.plot_bump(m.x, U, ax=ax, labels=["t=0", "t=1"], analytic=U[0]) is ax
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), U[1])
    assert len(ax.lines) == 3


def test_space_time_map_shows_activity_transposed(ax):
    t = np.linspace(0, 10, 5)
    x = np.linspace(-np.pi, np.pi, 8)
    act = np.arange(40.0).reshape(5, 8)
    assert P.plot_space_time(t, x, act, ax=ax, stim_pos=np.zeros(5), colorbar=False) is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), act.T)
    with pytest.raises(ValueError, match="activity must have shape"):
        P.plot_space_time(t, x, act.T, ax=ax)


def test_energy_capacity_and_phase_diagram(ax):
    assert P.plot_energy([3.0, 2.0, 1.0], ax=ax) is ax
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0, 1.0])
    fig2, ax2 = plt.subplots()
    curve = CapacityCurve(100, np.array([0.1, 0.2]), np.array([1.0, 0.0]), np.array([1.0, 0.3]), 0.95)
    assert P.plot_capacity_curve(curve, ax=ax2) is ax2
    np.testing.assert_array_equal(ax2.lines[0].get_ydata(), [1.0, 0.0])
    fig3, ax3 = plt.subplots()
    pd = TrackingPhaseDiagram(np.array([0.1, 1.0]), np.array([0.0, 0.01]),
                              np.array([["travelling wave", "oscillatory tracking"],
                                        ["smooth tracking", "smooth tracking"]], dtype=object),
                              np.zeros((2, 2)), np.zeros((2, 2)))
    assert P.plot_tracking_phase_diagram(pd, ax=ax3) is ax3
    np.testing.assert_array_equal(np.asarray(ax3.collections[0].get_array()).ravel(), [0, 1, 2, 2])
    fig4, ax4 = plt.subplots()
    assert P.plot_bump_2d(np.linspace(-3, 3, 4), np.eye(4), ax=ax4, colorbar=False) is ax4
    for f in (fig2, fig3, fig4):
        plt.close(f)
