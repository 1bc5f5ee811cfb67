"""Plotting: every function draws on the Axes it is given (or a new one),
returns it, draws something, and never calls plt.show()."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit import analysis as an  # noqa: E402
from coursekit import plotting as pl  # noqa: E402
from coursekit.neurons import FitzHughNagumo, LIF  # noqa: E402


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", show)
    yield
    plt.close("all")


def _drawn(ax):
    return len(ax.lines) + len(ax.collections) + len(ax.patches)


@pytest.fixture(scope="module")
def fhn_data():
    m = FitzHughNagumo()
    I = 0.5
    return dict(
        field=an.vector_field(m, (-2.5, 2.5), (-1, 2), I=I, n=9),
        ncl=an.nullclines(m, (-2.5, 2.5), (-1, 2), I=I, n=40),
        points=an.fixed_points(m, {"V": (-2.5, 2.5), "w": (-1, 2)}, I=I, n_seeds=5),
        traj=an.trajectory(m, [-2.0, -0.5], 50.0, I=I, dt=0.05),
        branches=an.fixed_point_branches(m, np.linspace(0, 2, 9), {"V": (-3, 3), "w": (-2, 3)}, n_seeds=4),
    )


@pytest.mark.parametrize("draw", [
    lambda d, ax: pl.plot_vector_field(d["field"], ax=ax),
    lambda d, ax: pl.plot_nullclines(d["ncl"], ax=ax),
    lambda d, ax: pl.plot_fixed_points(d["points"], ax=ax),
    lambda d, ax: pl.plot_trajectory(d["traj"], "V", "w", ax=ax),
    lambda d, ax: pl.plot_phase_plane(d["field"], d["ncl"], d["points"], [d["traj"]], ax=ax),
    lambda d, ax: pl.plot_trace(d["traj"], "V", ax=ax, spikes=True),
    lambda d, ax: pl.plot_bifurcation(d["branches"], ax=ax),
    lambda d, ax: pl.plot_fi([1.0, 2.0, 3.0], [0.0, 10.0, 20.0], ax=ax, unit="pA"),
])
def test_draws_on_given_axes_and_returns_it(fhn_data, draw):
    fig, ax = plt.subplots()
    out = draw(fhn_data, ax)
    assert out is ax
    assert _drawn(ax) > 0


def test_new_axes_when_none(fhn_data):
    ax = pl.plot_trace(fhn_data["traj"], "w")
    assert ax is not None and len(ax.lines) == 1
    assert ax.get_xlabel() == "t (ms)"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), fhn_data["traj"]["w"])


def test_bifurcation_with_hopf_and_cycles():
    m = FitzHughNagumo()
    values = np.linspace(0, 2, 9)
    br = an.fixed_point_branches(m, values, {"V": (-3, 3), "w": (-2, 3)}, n_seeds=4)
    hopf = an.hopf_points(m, values, {"V": (-3, 3), "w": (-2, 3)}, branches=br)
    lc = an.limit_cycle_extent(m, [0.5, 1.0], 200.0, 100.0, dt=0.05)
    ax = pl.plot_bifurcation(br, hopf=hopf, cycles=lc)
    # stable, unstable, cycle max, cycle min, Hopf
    assert len(ax.lines) == 5
    np.testing.assert_allclose(ax.lines[-1].get_xdata(), m.hopf_currents(), atol=1e-6)


def test_fi_from_curve_and_one_variable_field():
    lif = LIF()
    fi = an.fi_curve(lif, [100.0, 300.0, 500.0], duration=500.0, transient=50.0)
    ax = pl.plot_fi(fi, unit="pA")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), fi.rate)
    ax = pl.plot_vector_field(an.vector_field(lif, (-80, -40), I=100.0, n=9))
    assert len(ax.collections) == 1
    ax = pl.plot_fixed_points(an.fixed_points(lif, {"V": (-90, -40)}, I=100.0))
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="same shape"):
        pl.plot_fi([1, 2], [1, 2, 3])


# ---------------------------------------------------------------- axis units and legends


def _overlap(a, b):
    """Whether two display-space Bboxes overlap (touching edges do not count)."""
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


def _legend_clear_of_data(ax):
    """The legend is drawn, lies inside the figure and does not overlap the Axes (its data area)."""
    fig = ax.figure
    fig.canvas.draw()
    leg = ax.get_legend()
    assert leg is not None
    lb = leg.get_window_extent()
    assert not _overlap(lb, ax.get_window_extent()), "legend covers the data area"
    return lb


@pytest.fixture(scope="module")
def hh_data():
    from coursekit.neurons import HodgkinHuxley
    import coursekit as ck

    hh = HodgkinHuxley()
    red = an.reduced_hh(hh)
    box = {"V": (-80.0, 40.0), "n": (0.25, 0.8)}
    return dict(
        hh=hh, red=red,
        res=ck.simulate(hh, 30.0, dt=0.01, I=ck.inputs.step(20.0, 2.0, 3.0)),
        field=an.vector_field(red, box["V"], box["n"], I=0.0, n=7),
        ncl=an.nullclines(red, box["V"], box["n"], I=0.0, n=60),
        points=an.fixed_points(red, box, I=0.0, n_seeds=4),
        orbit=an.trajectory(red, [-50.0, 0.35], 20.0, I=0.0),
    )


def test_trace_labels_carry_the_models_units(hh_data):
    res = hh_data["res"]
    assert pl.plot_trace(res, "V").get_ylabel() == "V (mV)"
    assert pl.plot_trace(res, "n").get_ylabel() == "n (dimensionless)"
    assert pl.plot_trace(res, "V", unit="V").get_ylabel() == "V (V)"  # the caller's unit wins
    lif = LIF()
    import coursekit as ck

    r = ck.simulate(lif, 20.0, I=300.0)
    assert pl.plot_trace(r).get_ylabel() == "V (mV)" and pl.plot_trace(r).get_xlabel() == "t (ms)"
    fhn = ck.simulate(FitzHughNagumo(), 10.0, dt=0.05)
    assert pl.plot_trace(fhn, "w").get_ylabel() == "w (dimensionless)"
    # a model of the student's own: no unit known, none invented
    custom = ck.simulate(lambda t, y, I, p: [-y[0]], 1.0, dt=0.1, state_names=["x"], y0=[1.0])
    assert pl.plot_trace(custom, "x").get_ylabel() == "x"


def test_fi_and_bifurcation_labels_have_units(hh_data):
    ax = pl.plot_fi([6.3, 10.0], [51.0, 68.0], model=hh_data["hh"])
    assert ax.get_xlabel() == "I (µA/cm²)" and ax.get_ylabel() == "rate (Hz)"
    assert pl.plot_fi([1.0], [2.0], unit="pA").get_xlabel() == "I (pA)"
    m = FitzHughNagumo()
    br = an.fixed_point_branches(m, np.linspace(0, 2, 5), {"V": (-3, 3), "w": (-2, 3)}, n_seeds=4)
    ax = pl.plot_bifurcation(br, units=m)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (dimensionless)", "V (dimensionless)")
    _legend_clear_of_data(ax)
    ax = pl.plot_bifurcation(br, units={"I": "µA/cm²", "V": "mV"})
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (µA/cm²)", "V (mV)")


def test_phase_plane_axes_have_units_and_the_legend_covers_no_data(hh_data):
    d = hh_data
    fig, ax = plt.subplots(figsize=(6, 4))
    pl.plot_phase_plane(d["field"], d["ncl"], d["points"], [d["orbit"]], ax=ax)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("V (mV)", "n (dimensionless)")  # from the trajectory's model
    lb = _legend_clear_of_data(ax)
    assert fig.bbox.x0 <= lb.x0 and lb.y1 <= fig.bbox.y1 + 0.5  # within the figure's height, right of the Axes
    # without trajectories, from units=
    ax = pl.plot_phase_plane(d["field"], d["ncl"], d["points"], units=d["red"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("V (mV)", "n (dimensionless)")
    # a later call that knows no unit keeps the unit already on the axis
    pl.plot_nullclines(d["ncl"], ax=ax)
    assert ax.get_xlabel() == "V (mV)"
    ax = pl.plot_trajectory(d["orbit"], "V", "n")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("V (mV)", "n (dimensionless)")
    ax = pl.plot_vector_field(d["field"], units={"V": "mV", "n": ""})
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("V (mV)", "n (dimensionless)")
