"""What ``simulate`` builds around the kernel: the input it holds over each
step, the Result's time vector and input trace (made on first access), and the
kernels' scratch arrays on the stack -- none of which may change a number."""
import math

import numpy as np
import pytest

import coursekit as ck
from coursekit.neurons import LIF, HodgkinHuxley
from coursekit.solvers._codegen import kernel_module


@pytest.mark.parametrize("record_every", [1, 7])
def test_time_and_input_of_a_constant_input(record_every):
    res = ck.simulate(HodgkinHuxley(), 5.0, dt=0.01, I=10, record_every=record_every, t_start=2.5)
    n = 500 // record_every + 1
    assert res.V.shape == (n,)
    # the documented grid t_k = t_start + k dt (every record_every-th step), to the bit
    np.testing.assert_array_equal(res.t, 2.5 + 0.01 * record_every * np.arange(n))
    assert res.input.dtype == np.float64
    np.testing.assert_array_equal(res.input, np.full(n, 10.0))
    assert res.t is res.t  # made once


def test_input_trace_of_an_array_and_of_a_time_dependent_input():
    I = np.linspace(0.0, 20.0, 400)
    res = ck.simulate(HodgkinHuxley(), 4.0, dt=0.01, I=I, record_every=3)
    # I[k] holds over [t_k, t_k + dt); the last sample repeats the last step's input
    np.testing.assert_array_equal(res.input, np.append(I, I[-1])[::3])
    step = ck.inputs.step(10.0, 1.0, 3.0)
    res = ck.simulate(HodgkinHuxley(), 4.0, dt=0.05, I=step, record_every=10)
    np.testing.assert_array_equal(res.input, [0.0, 0.0, 10.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0])


def test_a_constant_input_is_the_same_as_its_array():
    hh = HodgkinHuxley()
    a = ck.simulate(hh, 20.0, dt=0.01, I=10.0, method="rk4")
    b = ck.simulate(hh, 20.0, dt=0.01, I=np.full(2000, 10.0), method="rk4")
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)


@pytest.mark.parametrize("I", [math.nan, math.inf, np.float64(-np.inf)])
def test_a_non_finite_constant_input_is_refused(I):
    with pytest.raises(ValueError, match=r"input I is not finite at step 0 \(t = 0 ms\)"):
        ck.simulate(HodgkinHuxley(), 1.0, dt=0.01, I=I)


def test_stack_scratch_arrays_change_no_result():
    # the per-model kernels of a known size keep their scratch arrays on the
    # stack; the same kernels of unknown size use np.empty: same arithmetic
    lif = LIF()
    y0 = lif.initial_state()
    n = 4000
    I = 150.0 + 200.0 * (np.arange(n) % 500 < 250)  # fires and rests: events, reset, refractoriness
    args = (y0, I, lif.param_array(), 0.0, 0.05, n, ck.solvers.get_method("heun").code, float(lif.t_ref),
            0, np.empty((0, 1)), 1)
    Y1, s1, status1, *_ = kernel_module("coursekit.neurons.lif", 1).run_fixed(*args)
    Y2, s2, status2, *_ = kernel_module("coursekit.neurons.lif", None).run_fixed(*args)
    assert status1 == status2 == 0 and s1.size > 3
    np.testing.assert_array_equal(Y1, Y2)
    np.testing.assert_array_equal(s1, s2)
