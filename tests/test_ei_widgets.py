"""Lecture 10's balance explorer: a headless figure, and what it draws against the mean field solved by hand."""
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from coursekit.ei_widgets import K_GRID, M0_GRID, BalanceExplorer, balance_explorer  # noqa: E402

J = np.array([[1.0, -2.0], [1.0, -1.8]])       # van Vreeswijk & Sompolinsky (1998)
DRIVE = np.array([1.0, 0.8])


def _by_hand(K, m0, J=J):
    """The fixed point with both populations active: (1/sqrt(K) - J) r = i m0."""
    return np.linalg.solve(np.eye(2) / np.sqrt(K) - J, DRIVE * m0)


def test_headless_widget_returns_a_figure_with_units():
    from matplotlib.figure import Figure

    fig = balance_explorer()
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert re.search(r"\(.+\)", label), f"axis label without a unit: {label!r}"


def test_inputs_and_rates_are_the_mean_field_fixed_point():
    live = BalanceExplorer(blit=False)
    live.update(K=400.0, m0=0.1)
    K, E = (np.asarray(x) for x in live.lines["E"].get_data())
    _, net = (np.asarray(x) for x in live.lines["|net|"].get_data())
    _, inh = (np.asarray(x) for x in live.lines["|I|"].get_data())
    np.testing.assert_allclose(K, K_GRID)
    rates = np.array([_by_hand(k, 0.1) for k in K_GRID])
    np.testing.assert_allclose(E, np.sqrt(K_GRID) * rates[:, 0], rtol=1e-12)
    np.testing.assert_allclose(inh, 2.0 * np.sqrt(K_GRID) * rates[:, 1], rtol=1e-12)
    np.testing.assert_allclose(net, rates[:, 0], rtol=1e-9)          # net input = u_E = r_E
    # E grows like sqrt(K); the net input tends to the balanced rate m0 = 0.1 (r_E = r_I = m0 here)
    assert np.polyfit(np.log(K_GRID[-10:]), np.log(E[-10:]), 1)[0] == pytest.approx(0.5, abs=0.01)
    assert net[-1] == pytest.approx(0.1, rel=5e-3)        # within the O(1/sqrt(K)) correction, 0.1/sqrt(1e5)
    # the rates against the drive: linear, the dotted K -> infinity lines at r = m0
    m, rE = (np.asarray(x) for x in live.rate_lines["E"].get_data())
    np.testing.assert_allclose(m, M0_GRID)
    np.testing.assert_allclose(rE, [_by_hand(400.0, x)[0] for x in M0_GRID], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(live.rate_lines["Einf"].get_ydata(), M0_GRID, rtol=1e-12, atol=1e-15)
    assert "balanced: rates positive and stable" in live.status.get_text()
    assert f"r_E = {_by_hand(400.0, 0.1)[0]:.4f}" in live.status.get_text()


def test_without_a_balanced_state_the_curves_stop_and_the_status_says_why():
    live = BalanceExplorer(blit=False)
    live.update(K=400.0, m0=0.1, j_EI=-1.0)            # det J < 0 and a negative balanced rate
    text = live.status.get_text()
    assert "no balanced state" in text and "a balanced rate ≤ 0" in text and "unstable" in text
    assert "no stationary state with both populations active" in text
    assert np.all(np.isnan(live.rate_lines["E"].get_ydata()[1:]))
    # a positive trace alone: rates positive (i_E/i_I = 1.25 > j_EI/j_II = 1.22 > 1) but unstable (trace 0.1)
    live.update(K=400.0, m0=0.1, j_EI=-1.1, j_II=-0.9)
    text = live.status.get_text()
    assert "unstable" in text and "a balanced rate ≤ 0" not in text
