"""The phase-plane explorer draws what coursekit's analysis computes, and the sliders change the model.

References: the FitzHugh--Nagumo fixed point is stable below the first Hopf
current and above the second, unstable between (FitzHugh 1961; the Hopf
currents are the closed form I = V^3/3 - V + (V + a)/b at V^2 = 1 - b/tau,
here 0.3313 and 1.4187); the trajectory is coursekit's own simulation.
"""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

import coursekit as ck  # noqa: E402
from coursekit import analysis  # noqa: E402
from coursekit.neurons import AdEx, FitzHughNagumo, HodgkinHuxley  # noqa: E402
from coursekit.phase_plane_explorer import PhasePlaneExplorer, phase_plane_explorer  # noqa: E402

BOX = {"V": (-2.5, 2.5), "w": (-1.0, 2.5)}


def test_headless_returns_the_figure_with_labelled_axes():
    fig = phase_plane_explorer(FitzHughNagumo(), BOX, I=0.5, duration=100.0, headless=True)
    plane, trace = fig.axes[:2]
    assert plane.get_xlabel() == "V (dimensionless)" and plane.get_ylabel() == "w (dimensionless)"
    assert trace.get_xlabel() == "t (ms)" and trace.get_ylabel() == "V (dimensionless)"
    adex = phase_plane_explorer(AdEx.preset("bursting"), {"V": (-72.0, -40.0), "w": (-20.0, 150.0)}, I=65.0,
                                duration=100.0, headless=True)
    assert adex.axes[0].get_xlabel() == "V (mV)" and adex.axes[0].get_ylabel() == "w (pA)"


@pytest.mark.parametrize("I, stable", [(0.0, True), (0.3, True), (0.4, False), (1.0, False), (1.5, True)])
def test_the_fixed_point_changes_stability_at_the_hopf_currents(I, stable):
    live = PhasePlaneExplorer(FitzHughNagumo(), BOX, duration=50.0).update(I)
    assert len(live.fixed_points) == 1
    assert live.fixed_points[0].stable is stable
    np.testing.assert_allclose(FitzHughNagumo().hopf_currents(), [0.33128, 1.41872], atol=1e-5)


def test_what_is_drawn_is_coursekits_analysis_and_simulation():
    fhn = FitzHughNagumo()
    live = PhasePlaneExplorer(fhn, BOX, duration=80.0, n_grid=60).update(0.5)
    ref = analysis.fixed_points(fhn, BOX, I=0.5)
    np.testing.assert_allclose(live.fixed_points[0].state, ref[0].state)
    ncl = analysis.nullclines(fhn, BOX["V"], BOX["w"], I=0.5, n=60)
    for name in ("V", "w"):
        np.testing.assert_allclose(live.nullclines.segments[name], ncl.segments[name])
    run = ck.simulate(fhn, 80.0, I=0.5, y0=fhn.initial_state())
    np.testing.assert_allclose(live.trajectory.V, run.V)
    line = max(live.ax_time.get_lines(), key=lambda ln: len(ln.get_xdata()))
    np.testing.assert_allclose(line.get_ydata(), run.V)


def test_parameter_sliders_replace_the_model_and_bad_names_fail():
    live = PhasePlaneExplorer(FitzHughNagumo(), BOX, duration=20.0).update(0.5, b=1.5, tau=3.0)
    assert live.model.b == 1.5 and live.model.tau == 3.0 and live.model.a == 0.7
    live.update(0.5, a=0.1)   # earlier changes are kept
    assert (live.model.a, live.model.b) == (0.1, 1.5)
    with pytest.raises(ValueError, match="no parameter 'g_Na'"):
        live.update(0.5, g_Na=1.0)
    with pytest.raises(ValueError, match="no parameter 'c'"):
        phase_plane_explorer(FitzHughNagumo(), BOX, params={"c": (0, 1, 0.1)}, headless=True)
    with pytest.raises(ValueError, match="two variables"):
        PhasePlaneExplorer(HodgkinHuxley(), {"V": (-80, 40), "n": (0, 1)})
    with pytest.raises(ValueError, match="box must give"):
        PhasePlaneExplorer(FitzHughNagumo(), {"V": (-2, 2)})


def test_the_widget_redraws_on_a_slider_move():
    pytest.importorskip("ipywidgets")
    box = phase_plane_explorer(FitzHughNagumo(), BOX, I=0.0, duration=50.0, params={"a": (0.0, 1.2, 0.01)},
                               headless=False)
    assert set(box.sliders) == {"I", "a"}
    before = box.children[-1].value
    assert box.live.fixed_points[0].stable
    box.sliders["I"].value = 1.0                  # between the Hopf currents: unstable
    assert not box.live.fixed_points[0].stable and box.live.I == 1.0
    assert box.children[-1].value != before       # a new picture
    box.sliders["a"].value = 0.5
    assert box.live.model.a == 0.5
