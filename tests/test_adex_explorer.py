"""The AdEx explorer: headless fallback, what it draws against a direct simulation, the pattern it names
against Table 6.1, the w window following the trajectory, bad slider names, and the update time."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import coursekit as ck  # noqa: E402
from coursekit.adex_explorer import SLIDERS, AdExExplorer, adex_explorer  # noqa: E402
from coursekit.neurons import AdEx  # noqa: E402


def _values(name):
    p = AdEx.presets[name]
    return {k: p["I"] if k == "I" else p[k] for k, *_ in SLIDERS}


def test_headless_returns_the_drawn_figure_with_units():
    from matplotlib.figure import Figure

    fig = adex_explorer("adapting", headless=True)
    assert isinstance(fig, Figure)
    labels = {ax.get_xlabel() for ax in fig.axes} | {ax.get_ylabel() for ax in fig.axes}
    assert {"t (ms)", "V (mV)", "w (pA)"} <= labels
    assert not fig.axes[0].lines[0].get_animated()


@pytest.mark.parametrize("name", ["tonic", "adapting", "bursting", "delayed"])
def test_draws_what_simulate_computes_and_names_the_table_pattern(name):
    live = AdExExplorer(name, blit=False)
    live.update(**_values(name))
    ref = ck.simulate(AdEx.preset(name), 500.0, dt=0.05, I=AdEx.presets[name]["I"])   # the same run
    np.testing.assert_allclose(live.result.spike_times, ref.spike_times, rtol=0, atol=1e-9)
    assert live.pattern == name   # the preset names are Table 6.1's pattern names
    # each spike is drawn up to the cut-off (0 mV) at its own time, then broken before the reset
    t, V = live.line_V.get_xdata(), live.line_V.get_ydata()
    assert np.count_nonzero(V == AdEx.presets[name].get("V_th", 0.0)) == ref.n_spikes
    assert np.count_nonzero(np.isnan(V)) == ref.n_spikes
    assert np.all(np.diff(t) >= 0)
    # the w window holds the whole trajectory
    lo, hi = live.ax_plane.get_ylim()
    assert lo < ref.w.min() and ref.w.max() < hi


def test_a_slider_changes_the_pattern():
    live = AdExExplorer("tonic", blit=True)
    values = _values("tonic")
    live.update(**values)
    assert live.pattern == "tonic"
    live.update(**dict(values, V_reset=-44.0))   # reset above the V-nullcline's minimum: bursts
    assert live.pattern == "bursting"
    assert live.status.get_text().count("bursting") == 1
    assert len(live.png()) > 1000


def test_bad_values_are_reported_not_raised():
    live = AdExExplorer("tonic", blit=False)
    live.update(**dict(_values("tonic"), V_reset=5.0))   # above the cut-off: refused by AdEx
    assert live.result is None and "no solution" in live.status.get_text()
    with pytest.raises(ValueError, match="no slider 'g_L'"):
        adex_explorer("tonic", headless=True, g_L=3.0)
    with pytest.raises(ValueError, match="unknown AdEx preset"):
        adex_explorer("chaotic", headless=True)


def test_update_time(capsys):
    live = AdExExplorer("bursting", blit=True)
    live.update(**_values("bursting"))
    times = [live.update(**dict(_values("bursting"), b=b)) for b in (5.0, 7.0, 9.0)]
    with capsys.disabled():
        print(f"\n[adex_explorer] update: {1000 * min(times):.0f}-{1000 * max(times):.0f} ms")
