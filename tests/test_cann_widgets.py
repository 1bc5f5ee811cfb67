"""The CANN tracking widget: headless figure, numbers against a direct run and the lag theory, sliders."""
import statistics
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.cann_widgets import CANNTracking, cann_tracking_explorer  # noqa: E402
from coursekit.networks.attractors import (  # noqa: E402
    CANN1D,
    bump_profile,
    fit_bump,
    moving_stimulus,
    simulate_cann,
    tracking_lag,
    tracking_lag_theory,
)


def test_headless_returns_the_drawn_figure():
    from matplotlib.figure import Figure

    fig = cann_tracking_explorer(v_ext=0.01)
    assert isinstance(fig, Figure)
    bump = np.asarray(fig.axes[0].lines[1].get_ydata())
    assert bump.size > 100 and bump[-1] > 2.0  # the bump moved with the stimulus (0.01 rad/ms for 250 ms)
    assert all(ax.get_xlabel() or ax.get_ylabel() for ax in fig.axes)


def test_lag_matches_a_direct_run_and_the_projection_theory():
    live = CANNTracking(blit=False)
    live.update(v_ext=0.01, A=0.05, k_ratio=0.5)
    # the same network run directly, decoded the same way, over the last third of 300 ms
    model = CANN1D(N=128, k=0.5 * CANN1D(N=128).k_c)
    n = 3000
    res = simulate_cann(model, 300.0, 0.1, U0=bump_profile(model, 0.0),
                        stim_pos=moving_stimulus(n, 0.1, 0.0, 0.01, t_start=50.0), A=0.05, record_every=10)
    h, c, _ = fit_bump(res.U, res.x)
    lag, spread, _ = tracking_lag(res.t, res.stim_pos, c, t_min=200.0)
    assert live.lag == pytest.approx(lag, rel=1e-12)
    assert spread < 1e-6  # a steady lag
    # Fung, Wong & Wu (2010): v tau U0 / A = s exp(-s^2 / 8a^2); the input's distortion of the bump
    # (order A / U0 ~ 0.1) leaves ~0.1 % here
    assert live.lag_theory == pytest.approx(tracking_lag_theory(model, 0.05, 0.01, h[res.t >= 200.0].mean()))
    assert live.lag == pytest.approx(live.lag_theory, rel=5e-3)


def test_too_fast_a_stimulus_is_lost():
    live = CANNTracking(blit=False)
    live.update(v_ext=0.1, A=0.05, k_ratio=0.5)
    assert 0.1 > live.v_max and np.isnan(live.lag_theory)
    lag = np.asarray(live.line_lag.get_ydata())
    assert lag[-1] > np.pi  # the stimulus laps the bump
    assert "no steady lag" in live.status.get_text()


def test_sliders_resimulate_and_replace_the_image():
    box = cann_tracking_explorer(v_ext=0.005, headless=False)
    live = box.live
    sliders = {s.description.split()[0]: s for row in box.children[1:3] for s in row.children}
    assert set(sliders) == {"v_ext", "A", "k"}
    image = box.children[-1]
    before, lag_slow = image.value, live.lag
    sliders["v_ext"].value = 0.02
    assert image.value != before and live.lag > 3.5 * lag_slow  # the lag grows ~ linearly with speed
    times = []
    for v in np.linspace(0.0, 0.04, 6):
        t0 = time.perf_counter()
        sliders["v_ext"].value = float(v)
        times.append(time.perf_counter() - t0)
    print(f"\ncann_tracking_explorer slider update (simulate 300 ms + redraw + PNG): median "
          f"{1000 * statistics.median(times):.1f} ms over {len(times)} moves")
