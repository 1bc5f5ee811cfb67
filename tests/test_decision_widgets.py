"""Lecture 09's phase-plane explorer: a headless figure with units, and what it draws against coursekit's
analysis functions called directly (fixed points, manifolds) and the model's known fixed-point structure
(Wong & Wang 2006, Fig. 5: three fixed points with a stimulus at low coherence, one beyond the saddle-node,
five without stimulus)."""
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.analysis.manifolds import saddle_manifolds  # noqa: E402
from coursekit.analysis.phase_plane import fixed_points  # noqa: E402
from coursekit.decision_widgets import BOX, PLANE, DecisionPlane, decision_explorer, decision_plane  # noqa: E402
from coursekit.networks.decision import WongWang  # noqa: E402


def test_headless_widget_returns_a_figure_with_units():
    from matplotlib.figure import Figure

    fig = decision_explorer(12.8, 30.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "S1 (dimensionless)" and ax.get_ylabel() == "S2 (dimensionless)"
    for label in (ax.get_xlabel(), ax.get_ylabel()):
        assert re.search(r"\(.+\)", label)


@pytest.fixture(scope="module")
def live():
    return DecisionPlane(n_trials=1)


def test_drawn_fixed_points_and_boundary_are_the_analysis(live):
    live.update(25.6, 30.0)
    m = WongWang(coherence=25.6)
    fps = fixed_points(m, BOX, I=30.0, n_seeds=11, **PLANE)
    assert [f.stability for f in fps] == ["stable node", "saddle", "stable node"]
    np.testing.assert_allclose([f.state for f in live.data.fixed_points], [f.state for f in fps], atol=1e-10)
    man = saddle_manifolds(m, fps[1], BOX, I=30.0, **PLANE)
    drawn = [np.column_stack(line.get_data()) for line in live.lines["stable manifold"]]
    assert len(drawn) == 2
    for got, want in zip(drawn, man.stable):
        np.testing.assert_allclose(got, want, atol=1e-12)
    assert "3 fixed points: 2 stable nodes, 1 saddle" in live.status.get_text()


def test_noise_free_trajectory_ends_at_the_correct_attractor(live):
    live.update(12.8, 30.0)
    end = live.lines["trajectory"].get_xydata()[-1]
    correct = max((f for f in live.data.fixed_points if f.stable), key=lambda f: f["S1"] - f["S2"])
    np.testing.assert_allclose(end, correct.state, atol=1e-3)
    assert len(live.lines["trials"]) == 1


def test_beyond_the_saddle_node_and_without_stimulus(live):
    live.update(80.0, 30.0)
    assert "1 fixed point: 1 stable node" in live.status.get_text()
    assert live.lines["stable manifold"] == [] and live.data.manifolds == []
    live.update(0.0, 0.0)
    assert "5 fixed points: 3 stable nodes, 2 saddles" in live.status.get_text()
    assert len(live.lines["stable manifold"]) == 4 and len(live.lines["unstable manifold"]) == 4


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="mu0"):
        decision_plane(0.0, -5.0, n_trials=0)
    with pytest.raises(ValueError, match="coherence"):
        decision_plane(150.0, 30.0, n_trials=0)
