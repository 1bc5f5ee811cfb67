"""Invalid input fails early with a message naming what and why."""
import warnings

import numpy as np
import pytest

import coursekit as ck
from coursekit.neurons import LIF, AdEx, HodgkinHuxley, Izhikevich


@pytest.mark.parametrize("cls, kwargs, pattern", [
    (LIF, {"tau": -5}, r"tau must be > 0 ms \(membrane time constant\), got -5"),
    (LIF, {"R": 0}, r"R must be > 0 GOhm"),
    (LIF, {"t_ref": -1}, r"t_ref must be >= 0 ms"),
    (LIF, {"V_reset": -40}, r"V_reset must be < V_th"),
    (LIF, {"tau": float("nan")}, r"tau must be > 0 ms"),
    (LIF, {"tau": "fast"}, r"tau must be a number \(ms\)"),
    (LIF, {"taum": 10}, r"LIF has no parameter 'taum'; valid parameters are: V_rest"),
    (HodgkinHuxley, {"g_Na": -1}, r"g_Na must be >= 0 mS/cm\^2"),
    (HodgkinHuxley, {"C": 0}, r"C must be > 0 uF/cm\^2"),
    (AdEx, {"tau_w": -100}, r"tau_w must be > 0 ms"),
    (Izhikevich, {"a": 0}, r"a must be > 0 1/ms"),
])
def test_invalid_parameters(cls, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(**kwargs)


def test_setting_an_invalid_parameter_is_refused_and_rolled_back():
    lif = LIF()
    with pytest.raises(ValueError, match="tau must be > 0 ms"):
        lif.tau = -1
    with pytest.raises(ValueError, match="V_reset must be < V_th"):
        lif.V_reset = 0.0
    assert lif.tau == 10.0 and lif.V_reset == -70.0
    lif.tau = 20.0
    assert lif.param_array()[3] == 20.0


@pytest.mark.parametrize("kwargs, pattern", [
    ({"dt": 0}, r"dt must be > 0 ms, got 0"),
    ({"dt": -0.1}, r"dt must be > 0 ms"),
    ({"dt": 0.3}, r"duration = 10 ms is not a multiple of dt = 0.3 ms"),
    ({"method": "rk7"}, r"unknown method 'rk7'; choose one of: euler, heun, rk4"),
    ({"y0": [0.0, 1.0]}, r"y0 must have 1 values \(V\) for LIF, got 2"),
    ({"y0": [np.nan]}, r"y0 is not finite for V"),
    ({"I": np.ones(7)}, r"an input array must have one value per step \(100 or 101 values\)"),
    ({"I": np.r_[np.ones(50), np.nan, np.ones(49)]}, r"input I is not finite at step 50"),
    ({"record_every": 0}, r"record_every must be >= 1"),
])
def test_invalid_simulation_arguments(kwargs, pattern):
    args = {"dt": 0.1, **kwargs}
    with pytest.raises(ValueError, match=pattern):
        ck.simulate(LIF(), 10.0, **args)


def test_negative_duration():
    with pytest.raises(ValueError, match="duration must be > 0 ms"):
        ck.simulate(LIF(), -1.0)


def test_unknown_state_name():
    res = ck.simulate(LIF(), 1.0, dt=0.1)
    with pytest.raises(ValueError, match="no state variable 'w'; state variables: V"):
        res["w"]
    with pytest.raises(AttributeError, match="state variables: V"):
        res.w
    with pytest.raises(ValueError, match="LIF has no state variable 'x'"):
        LIF().state_index("x")


def test_unstable_step_warns_with_bound():
    with pytest.warns(ck.StabilityWarning, match=r"dt = 0.1 ms is above the stability bound of method 'euler' "
                                                  r"for HodgkinHuxley: dt < 0\.0\d+ ms"):
        ck.simulate(HodgkinHuxley(), 1.0, dt=0.1, method="euler", I=0.0)
    with pytest.warns(ck.StabilityWarning, match=r"dt < 20 ms"):
        ck.simulate(LIF(), 50.0, dt=25.0, method="euler")


def test_stable_step_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ck.simulate(HodgkinHuxley(), 5.0, dt=0.01, method="rk4")
        ck.simulate(HodgkinHuxley(), 5.0, dt=0.1, method="exponential_euler")
        ck.simulate(LIF(), 50.0, dt=1.0, method="euler")


def test_blow_up_names_step_and_variable():
    def explode(t, y, I, p, dydt):
        dydt[0] = y[0] * y[0]

    with pytest.raises(ck.NonFiniteStateError, match=r"x became non-finite at step \d+ \(t = 1\.\d+ ms\)"):
        ck.simulate(explode, 2.0, dt=0.001, method="euler", state_names=["x"], y0=[1.0])


def test_custom_rhs_needs_state_names_and_right_arity():
    with pytest.raises(ValueError, match="needs state_names"):
        ck.simulate(lambda t, y, I, p: y, 1.0)
    with pytest.raises(ValueError, match="takes 2 arguments"):
        ck.simulate(lambda t, y: y, 1.0, dt=0.1, state_names=["x"])


@pytest.mark.parametrize("fn, args, pattern", [
    (ck.inputs.step, (1.0, 10.0, 5.0), "step stop must be > start"),
    (ck.inputs.ou_noise, (0.0, 1.0, -1.0), "tau must be > 0 ms"),
    (ck.inputs.poisson_spike_train, (-5.0, 100.0), "rate must be >= 0 Hz"),
    (ck.inputs.pulse_train, (1.0, 0.0, 10.0), "pulse width must be > 0 ms"),
])
def test_invalid_inputs(fn, args, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn(*args)
