"""The fixed-point LIF's error against the float64 LIF, checked against closed forms and derived bounds.

LIF() with I = 250 pA: R I = 25 mV, theta = V_th - V_rest = 20 mV, tau = 10 ms, t_ref = 2 ms.
First crossing t* = tau ln(R I / (R I - theta)) = 10 ln 5 = 16.0944 ms; period t_ref + t* = 18.0944 ms, so in
200 ms the spikes are at t* + k 18.0944 for k = 0..10: 11 spikes.
"""
import math

import numpy as np
import pytest

from coursekit.bpu import Core, FixedLIF, error_sweep, lif_error
from coursekit.neurons import LIF

T_STAR = 10.0 * math.log(5.0)


def quantized_crossing(dt, lsb=2.0 ** -15, tau=10.0, RI=25.0, theta=20.0):
    """Where exact integer arithmetic with the quantized constants puts the first crossing, and how far
    the rounding of each product can move it (ms).

    The decay is a = A / 2^15 with A = round(exp(-dt/tau) 2^15), so the effective time constant is
    -dt / ln a; the input is b = round((1 - a) R I / lsb) LSB, so the drive is b lsb / (1 - a).  Each product
    rounded to nearest is off by at most lsb/2, which keeps x within lsb / (2 (1 - a)) of the exact
    trajectory; near threshold V rises at (R I - theta)/tau, so the crossing moves by at most
    tau lsb / (2 (1 - a) (R I - theta)).
    """
    A = math.floor(math.exp(-dt / tau) * 2 ** 15 + 0.5)
    a = A / 2 ** 15
    b = math.floor((1 - a) * RI / lsb + 0.5)
    RI_eff, tau_eff = b * lsb / (1 - a), -dt / math.log(a)
    t_q = tau_eff * math.log(RI_eff / (RI_eff - theta))
    return t_q, tau_eff * 0.5 * lsb / (1 - a) / (RI_eff - theta)


def test_fine_format_matches_the_closed_form():
    e = lif_error(LIF(), 250.0, 200.0, dt=0.1, fmt="s16.15", rounding="nearest")
    # the float64 reference: exact exponential Euler, crossing interpolated in a 0.01 ms step
    assert e.first_spike_float == pytest.approx(T_STAR, abs=1e-3)
    assert e.n_spikes_float == 11
    # at dt = 0.1 ms the quantized constants move the crossing by 0.0023 ms and the rounding by < 0.0031 ms;
    # the spike is reported at the end of its step: 161 steps, 16.1 ms
    t_q, slack = quantized_crossing(0.1)
    assert abs(t_q - T_STAR) < 0.0025 and slack < 0.0031
    assert t_q - slack <= e.first_spike_fixed < t_q + 0.1 + slack
    assert 0.0 <= e.first_spike_mismatch < 0.1 + 0.006
    # period on the grid: 20 refractory steps + 161 steps to threshold = 18.1 ms -> 16.1 + 10 * 18.1 = 197.1: 11
    assert e.n_spikes_fixed == 11 and e.spike_count_mismatch == 0


@pytest.mark.parametrize("dt", [0.5, 0.1, 0.02])
def test_first_spike_waits_for_the_end_of_its_step(dt):
    # at dt = 0.02 ms, exp(-dt/tau) 2^15 = 32702.53 rounds to 32703: 1 - a is 0.7 % too small, tau_eff =
    # 10.07 ms, and the first spike comes 0.11 ms late -- more than a step: the decay constant's own
    # resolution, not the step, limits the timing there
    e = lif_error(LIF(), 250.0, 100.0, dt=dt, fmt="s16.15", rounding="nearest")
    t_q, slack = quantized_crossing(dt)
    assert t_q - slack <= e.first_spike_fixed < t_q + dt + slack
    assert e.first_spike_float == pytest.approx(T_STAR, abs=1e-3)
    if dt == 0.02:
        assert e.first_spike_mismatch > dt


def test_truncation_in_a_coarse_format_loses_every_spike():
    # Q10.5 (1/32 mV): theta = 640 LSB; a = 32442/2^15, 1 - a = 326/32768; b = floor(0.24872 mV * 32 = 7.96) = 7.
    # x <- floor(a x) + 7 rises monotonically from 0 and stops at its smallest fixed point, the smallest x with
    # floor(a x) = x - 7, i.e. x (1 - a) <= 7 and > 6: x > 603.1, so x = 604 (floor(604 a) = floor(597.99) =
    # 597 = 604 - 7): 18.875 mV, below threshold for ever, while the float neuron fires 11 times.
    e = lif_error(LIF(), 250.0, 200.0, dt=0.1, fmt="Q10.5", rounding="truncate")
    assert e.n_spikes_float == 11 and e.n_spikes_fixed == 0 and math.isnan(e.first_spike_mismatch)
    x = Core(FixedLIF(LIF(), 0.1, "Q10.5", "truncate"), 1).run(2000, current=7, record=[0]).state("x")[:, 0]
    assert x[-1] == 604 and np.all(np.diff(x) >= 0)
    # rounding to nearest makes b = 8 and its fixed points x (1 - a) in (7.5, 8.5]: x > 753.9 > 640, it fires
    assert lif_error(LIF(), 250.0, 200.0, dt=0.1, fmt="Q10.5", rounding="nearest").n_spikes_fixed == 11


@pytest.mark.parametrize("rounding,I,interval", [
    # Q8.7, I = 150 pA: b = (326/32768) 15 mV * 128 = 19.10 LSB -> 19 (nearest and truncate), -19 toward zero
    # for -150 pA; the float steady state is +-15 mV = +-1920 LSB.  A fixed point x = round(a x) + b:
    ("truncate", 150.0, (1810, 1909)),       # x (1 - a) in (b - 1, b]: always below 1920 (biased down)
    ("nearest", 150.0, (1860, 1959)),        # x (1 - a) in (b - 1/2, b + 1/2]: around 1920
    ("toward_zero", -150.0, (-1909, -1810)),  # ceil for negative x: x (1 - a) in [b, b + 1): biased toward 0
])
def test_steady_state_lies_where_the_rounding_puts_it(rounding, I, interval):
    f = FixedLIF(LIF(), 0.1, "Q8.7", rounding)
    b = int(f.input_from_current(I))
    assert abs(b) == 19
    x = Core(f, 1).run(3000, current=b, record=[0]).state("x")[:, 0]
    assert x[-1] == x[-2] and interval[0] <= x[-1] <= interval[1]


def test_error_sweep_rows_and_a_format_that_does_not_fit():
    rows = error_sweep(LIF(), 250.0, 50.0, formats=("Q8.7", "s16.15"), roundings=("truncate", "nearest"),
                       dts=(0.5, 0.1))
    assert [(r.format, r.dt, r.rounding) for r in rows][:3] == [("Q8.7", 0.5, "truncate"), ("Q8.7", 0.5, "nearest"),
                                                                 ("Q8.7", 0.1, "truncate")]
    assert len(rows) == 8 and all(r.n_spikes_float == 2 for r in rows)   # 16.09, 34.19; 52.28 > 50: 2 spikes
    assert set(rows[0].as_dict()) >= {"spike_count_mismatch", "first_spike_mismatch", "v_rms"}
    with pytest.raises(ValueError, match="V_th - V_rest = 20 mV does not fit the format Q0.15"):
        error_sweep(LIF(), 250.0, 50.0, formats=("Q0.15",))
    with pytest.raises(ValueError, match="dt_reference must be dt"):
        lif_error(LIF(), 250.0, 50.0, dt=0.1, dt_reference=0.03)
