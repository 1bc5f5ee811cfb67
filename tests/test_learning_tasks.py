"""The cognitive tasks: shapes and epochs, what each trial's inputs encode, targets and masks
derived independently from the inputs, the dt-independence of the sensory noise, seeds."""
import math

import numpy as np
import pytest

from coursekit.learning import tasks
from coursekit.learning.tasks import (COHERENCES, ROMO_PAIRS, context_dependent_integration,
                                      delayed_match_to_sample, flip_flop, parametric_working_memory,
                                      perceptual_decision)

ALL = [perceptual_decision, context_dependent_integration, delayed_match_to_sample, parametric_working_memory,
       flip_flop]


@pytest.mark.parametrize("task", ALL, ids=lambda f: f.__name__)
def test_shapes_epochs_and_seeds(task):
    tr = task(16, seed=3)
    T, B, n_in = tr.inputs.shape
    assert B == 16 and tr.targets.shape[:2] == (T, B) and tr.mask.shape == tr.targets.shape
    assert n_in == len(tr.input_names) and tr.targets.shape[2] == len(tr.output_names)
    stops = [stop for _, stop in tr.epochs.values()]
    assert stops[-1] == pytest.approx(T * tr.dt)
    starts = [start for start, _ in tr.epochs.values()]
    assert starts[0] == 0 and all(a == b for a, b in zip(stops[:-1], starts[1:]))
    np.testing.assert_array_equal(task(16, seed=3).inputs, tr.inputs)
    assert not np.array_equal(task(16, seed=4).inputs, tr.inputs)
    rng = np.random.default_rng(0)
    first, second = task(4, seed=rng), task(4, seed=rng)  # a Generator is advanced, not restarted
    assert not np.array_equal(first.inputs, second.inputs)
    assert set(np.unique(tr.mask)) <= {0.0, 1.0}


def test_perceptual_decision_encodes_the_signed_coherence_and_the_answer():
    tr = perceptual_decision(3000, dt=20.0, sigma_in=0.5, seed=1)
    c = tr.conditions["coherence"]
    assert set(np.unique(np.abs(c))) == set(COHERENCES)
    stim, dec = tr.steps("stimulus"), tr.steps("decision")
    diff = (tr.inputs[stim, :, 1] - tr.inputs[stim, :, 2]).mean(axis=0)  # c/100 plus noise
    # the mean difference over a trial's 40 stimulus steps has sd sigma sqrt(2/dt)/sqrt(40) = 0.025
    resid = diff - c / 100
    assert abs(resid.mean()) < 4 * 0.025 / math.sqrt(c.size) and resid.std() == pytest.approx(0.025, rel=0.05)
    np.testing.assert_array_equal(tr.ground_truth[c > 0], 0)
    np.testing.assert_array_equal(tr.ground_truth[c < 0], 1)
    zero = tr.ground_truth[c == 0]
    assert abs(zero.mean() - 0.5) < 4 * 0.5 / math.sqrt(zero.size)  # drawn at random at c = 0
    # fixation input off exactly when the decision epoch starts; targets and grace period
    assert np.all(tr.inputs[:dec.start, :, 0] == 1) and np.all(tr.inputs[dec, :, 0] == 0)
    assert np.all(tr.inputs[:stim.start, :, 1:] == 0) and np.all(tr.inputs[dec, :, 1:] == 0)
    assert np.all(tr.targets[:dec.start] == 0)
    np.testing.assert_array_equal(tr.targets[dec.start, np.arange(3000), tr.ground_truth], 1.0)
    assert np.all(tr.targets[dec].sum(axis=2) == 1)
    assert np.all(tr.mask[dec.start:dec.start + 5] == 0) and np.all(tr.mask[dec.start + 5:] == 1)


@pytest.mark.parametrize("dt", [5.0, 20.0])
def test_sensory_noise_integrates_to_the_same_variance_for_any_dt(dt):
    # the integral of the input over the stimulus epoch (800 ms) has noise variance sigma_in^2 * 800
    tr = perceptual_decision(4000, dt=dt, coherences=(0.0,), sigma_in=0.5, seed=2)
    integral = tr.inputs[tr.steps("stimulus"), :, 1].sum(axis=0) * dt
    assert integral.mean() == pytest.approx(0.5 * 800.0, rel=1e-2)
    assert integral.var() / (0.25 * 800.0) == pytest.approx(1.0, abs=4 * math.sqrt(2 / 4000))


def test_context_dependent_integration_has_a_go_cue_and_answers_the_relevant_dimension():
    tr = context_dependent_integration(2000, seed=5)
    ctx, mo, co = tr.conditions["context"], tr.conditions["motion"], tr.conditions["colour"]
    np.testing.assert_array_equal(tr.ground_truth, np.where(ctx == 0, np.sign(mo), np.sign(co)))
    # the two context cues: exactly one on, for the whole trial
    np.testing.assert_array_equal(tr.inputs[:, :, 2] + tr.inputs[:, :, 3], 1.0)
    np.testing.assert_array_equal(tr.inputs[0, :, 3], ctx)
    # the go cue is on exactly during the decision epoch, and the answer is asked for only then
    dec = tr.steps("decision")
    go = np.zeros(tr.inputs.shape[0])
    go[dec] = 1.0
    np.testing.assert_array_equal(tr.inputs[:, :, 4], go[:, None] * np.ones((1, 2000)))
    assert np.all(tr.targets[:dec.start] == 0) and np.all(tr.targets[dec, :, 0] == tr.ground_truth)
    # sensory evidence only during the stimulus, centred on the signed coherence
    stim = tr.steps("stimulus")
    assert np.all(tr.inputs[stim.stop:, :, :2] == 0) and np.all(tr.inputs[:stim.start, :, :2] == 0)
    resid = tr.inputs[stim, :, 0].mean(axis=0) - mo / 100
    assert abs(resid.mean()) < 4 * resid.std() / math.sqrt(resid.size)
    # the two dimensions are drawn independently: the irrelevant one says nothing about the answer
    irrelevant = np.where(ctx == 0, np.sign(co), np.sign(mo))
    assert abs(np.mean(irrelevant == tr.ground_truth) - 0.5) < 4 * 0.5 / math.sqrt(2000)


def test_delayed_match_to_sample():
    tr = delayed_match_to_sample(4000, n_stimuli=4, sigma_in=0.0, seed=6)
    s, t = tr.conditions["sample"], tr.conditions["test"]
    np.testing.assert_array_equal(tr.ground_truth, np.where(s == t, 0, 1))
    assert abs(np.mean(s == t) - 0.5) < 4 * 0.5 / math.sqrt(4000)
    # a non-match test is any other stimulus, uniformly: each of the 3 others ~ 1/3 of the non-matches
    off = (t - s)[s != t] % 4
    assert all(abs(np.mean(off == k) - 1 / 3) < 0.05 for k in (1, 2, 3))
    sam, tst, delay = tr.steps("sample"), tr.steps("test"), tr.steps("delay")
    np.testing.assert_array_equal(tr.inputs[sam.start, np.arange(4000), 1 + s], 1.0)
    np.testing.assert_array_equal(tr.inputs[tst.start, np.arange(4000), 1 + t], 1.0)
    assert np.all(tr.inputs[delay, :, 1:] == 0)  # nothing to see during the delay: memory
    assert np.all(tr.inputs[sam].sum(axis=2) == 2)  # fixation + one stimulus (no noise here)


def test_parametric_working_memory_uses_romos_pairs():
    tr = parametric_working_memory(1000, delay=1000.0, sigma_in=0.0, seed=7)
    f1, f2 = tr.conditions["f1"], tr.conditions["f2"]
    assert set(zip(f1, f2)) == set(ROMO_PAIRS)
    np.testing.assert_array_equal(np.abs(f1 - f2), 8.0)
    np.testing.assert_array_equal(tr.ground_truth, np.where(f1 > f2, 0, 1))
    s1 = tr.steps("f1")
    a = (f1 - 10.0) / 24.0
    np.testing.assert_allclose(tr.inputs[s1.start, :, 1], 0.2 + 0.8 * a)
    np.testing.assert_allclose(tr.inputs[s1.start, :, 2], 1.0 - 0.8 * a)
    assert tr.epochs["delay"] == (600.0, 1600.0)
    assert np.all(tr.inputs[tr.steps("delay"), :, 1:] == 0)


def test_flip_flop_targets_follow_the_last_pulse():
    tr = flip_flop(50, dt=10.0, duration=3000.0, pulse_rate=2.0, pulse_duration=30.0, seed=8)
    T, B, n = tr.inputs.shape
    # an independent reading of the inputs: a pulse starts where the input leaves 0 (or changes sign)
    for b in range(B):
        for k in range(n):
            x = tr.inputs[:, b, k]
            held, left, expected, mask = 0.0, 0, np.zeros(T), np.zeros(T)
            for t in range(T):
                if x[t] != 0 and left == 0:
                    held, left = x[t], 3
                expected[t] = held
                mask[t] = held != 0 and left == 0
                left = max(left - 1, 0) if left else 0
            np.testing.assert_array_equal(tr.targets[:, b, k], expected)
            np.testing.assert_array_equal(tr.mask[:, b, k], mask)
    # pulses last 3 steps, are +-1, and arrive at ~ 2 Hz (a Poisson process with a 30 ms dead time)
    assert set(np.unique(tr.inputs)) == {-1.0, 0.0, 1.0}
    onsets = tr.conditions["n_pulses"].sum()
    expected_rate = 2.0 / (1 + 2.0 * 0.03)  # Hz
    mean = expected_rate * 3.0 * B * n
    assert abs(onsets - mean) < 4 * math.sqrt(mean)
    # each pulse is 3 steps long, except one cut by the end of the trial (at most one per channel)
    assert 3 * onsets - 2 * B * n <= np.sum(np.abs(tr.inputs)) <= 3 * onsets


@pytest.mark.parametrize("call, pattern", [
    (lambda: perceptual_decision(0), "n_trials must be a positive integer"),
    (lambda: perceptual_decision(4, dt=-1), "dt must be > 0 ms"),
    (lambda: perceptual_decision(4, stimulus=810.0), r"stimulus must be a multiple of dt = 20 ms"),
    (lambda: perceptual_decision(4, coherences=(120.0,)), r"coherences must be .* \[0, 100\] %"),
    (lambda: perceptual_decision(4, grace=300.0), r"grace must be in \[0, decision\)"),
    (lambda: perceptual_decision(4, sigma_in=-1), "sigma_in must be >= 0"),
    (lambda: context_dependent_integration(4, coherences=(0.0, 5.0)), r"coherences must be .* \(0, 100\] %"),
    (lambda: delayed_match_to_sample(4, n_stimuli=1), "n_stimuli must be an integer >= 2"),
    (lambda: parametric_working_memory(4, pairs=((10.0, 10.0),)), "pairs must be a list of"),
    (lambda: flip_flop(4, pulse_duration=5.0), "pulse_duration must be a multiple of dt"),
    (lambda: flip_flop(4, pulse_rate=0.0), "pulse_rate must be > 0 Hz"),
])
def test_invalid_task_settings(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_trials_steps_and_time():
    tr = perceptual_decision(2, dt=20.0)
    assert tr.steps("decision") == slice(45, 60) and tr.t[1] == 20.0 and tr.n_trials == 2
    with pytest.raises(ValueError, match="no epoch 'delay'"):
        tr.steps("delay")
    assert tasks.COHERENCES == (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)
