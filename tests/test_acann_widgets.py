"""The adaptive-CANN tracking widget: headless figure, the numbers of a direct run, the regimes, sliders."""
import math
import statistics
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.acann_widgets import ACANNTracking, acann_tracking_explorer  # noqa: E402
from coursekit.networks.attractors import (  # noqa: E402
    OSCILLATORY_TRACKING,
    SMOOTH_TRACKING,
    TRAVELLING_WAVE,
    AdaptiveCANN1D,
    moving_stimulus,
    population_vector,
    simulate_cann,
    tracking_lag,
    travelling_wave_initial_state,
)


def test_headless_returns_the_drawn_figure():
    from matplotlib.figure import Figure

    fig = acann_tracking_explorer(m_ratio=2.5, A=0.3, v_ext=0.005)
    assert isinstance(fig, Figure)
    bump = np.asarray(fig.axes[0].lines[1].get_ydata())
    assert bump.size > 1000 and bump[-1] > 6.0  # followed the stimulus (0.005 rad/ms for 1.5 s)
    assert all(ax.get_ylabel() for ax in fig.axes) and fig.axes[1].get_xlabel() == "t (ms)"


def test_lag_and_regime_match_a_direct_run():
    live = ACANNTracking(blit=False)
    live.update(m_ratio=2.5, A=0.3, v_ext=0.005)
    model = AdaptiveCANN1D(N=128, k=0.5, tau_v=50.0, m=0.05)
    U0, V0 = travelling_wave_initial_state(model)
    res = simulate_cann(model, 1500.0, 0.1, U0=U0, V0=V0, stim_pos=moving_stimulus(15000, 0.1, 0.0, 0.005),
                        A=0.3, record_every=10)
    z = population_vector(np.maximum(res.U, 0.0), res.x)
    lag, spread, _ = tracking_lag(res.t, res.stim_pos, z, t_min=750.0)
    assert live.lag == pytest.approx(lag, rel=1e-10) and live.lag_std == pytest.approx(spread, abs=1e-10)
    assert live.regime == SMOOTH_TRACKING
    assert live.lag < 0   # slower than the wave (v_int = 0.024 rad/ms): the bump anticipates
    assert "leads" in live.status.get_text()


@pytest.mark.parametrize("A, v_ext, regime", [(0.003, 0.0, TRAVELLING_WAVE), (0.02, 0.0, OSCILLATORY_TRACKING),
                                              (0.3, 0.0, SMOOTH_TRACKING)])
def test_the_three_regimes(A, v_ext, regime):
    """Mi et al. (2014), Fig. 3, at m = 2.5 m_c: weak input loses the wave, medium oscillates, strong holds."""
    live = ACANNTracking(blit=False)
    live.update(m_ratio=2.5, A=A, v_ext=v_ext)
    assert live.regime == regime
    if regime == TRAVELLING_WAVE:
        assert "not locked" in live.status.get_text()


def test_without_adaptation_the_bump_only_trails():
    live = ACANNTracking(blit=False)
    live.update(m_ratio=0.0, A=0.3, v_ext=0.005)
    assert live.regime == SMOOTH_TRACKING and live.lag > 0 and math.isfinite(live.lag)


def test_sliders_resimulate_and_replace_the_image():
    box = acann_tracking_explorer(m_ratio=2.5, A=0.3, v_ext=0.005, headless=False)
    live = box.live
    sliders = {s.description.split()[0]: s for row in box.children[1:3] for s in row.children}
    assert set(sliders) == {"m", "A", "v_ext"}
    image = box.children[-1]
    before, lead = image.value, live.lag
    sliders["v_ext"].value = 0.03        # faster than the wave: the bump trails
    assert image.value != before and lead < 0 < live.lag
    times = []
    for m in np.linspace(0.5, 4.0, 4):
        t0 = time.perf_counter()
        sliders["m"].value = float(m)
        times.append(time.perf_counter() - t0)
    print(f"\nacann_tracking_explorer slider update (simulate 1.5 s + redraw + PNG): median "
          f"{1000 * statistics.median(times):.1f} ms over {len(times)} moves")
