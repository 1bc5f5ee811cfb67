"""Cognitive tasks as plain, seeded generators of trials: inputs, targets, masks.

Every task is a function ``task(n_trials, *, dt=..., seed=None, **durations)
-> Trials`` returning time-major arrays (T steps, B = n_trials trials):

    inputs   (T, B, n_in)    what the network receives
    targets  (T, B, n_out)   what its readout should produce
    mask     (T, B, n_out)   which steps and outputs the loss counts (0/1)

Time: step k covers [k dt, (k + 1) dt) ms; every epoch duration (ms) must be a
multiple of dt.  ``Trials.epochs`` gives each epoch's (start, stop) in ms,
``Trials.ground_truth`` the correct choice of each trial (the index of the
output that should win; +1/-1 for a task with one output), and
``Trials.conditions`` what was drawn (coherences, frequencies, stimuli).

Sensory noise follows NeuroGym's convention: on every noisy input channel each
step adds ``sigma_in / sqrt(dt) N(0, 1)`` (``sigma_in`` in sqrt(ms)), so that
the integral of the input over a window of T ms has noise variance
``sigma_in^2 T``, independent of dt.

The tasks (for each, the paper whose protocol it follows):

* :func:`perceptual_decision` -- two-alternative forced choice on noisy motion
  evidence (random-dot motion; Britten et al. 1992, Roitman & Shadlen 2002;
  the RNN version of Song et al. 2016): fixation, stimulus, decision.
* :func:`context_dependent_integration` -- Mante, Sussillo, Shenoy & Newsome
  (2013): motion and colour evidence at once, a context cue says which one to
  integrate; an explicit go cue opens the decision.
* :func:`delayed_match_to_sample` -- sample, delay, test: match or not
  (Miller, Erickson & Desimone 1996).
* :func:`parametric_working_memory` -- Romo, Brody, Hernandez & Lemus (1999):
  hold a vibration frequency f1 over a delay, compare it with f2.
* :func:`flip_flop` -- the 3-bit flip-flop of Sussillo & Barak (2013): each
  output holds the sign of the last pulse on its input.

Each trial draws its condition independently from ``seed`` (an int, None or a
numpy Generator, which is advanced).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Motion coherences (%) of the random-dot experiments (Roitman & Shadlen 2002).
COHERENCES = (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)
#: (f1, f2) pairs (Hz) of Romo et al. (1999), as used by Song et al. (2016): f2 = f1 -+ 8 Hz.
ROMO_PAIRS = ((18.0, 10.0), (22.0, 14.0), (26.0, 18.0), (30.0, 22.0), (34.0, 26.0),
              (10.0, 18.0), (14.0, 22.0), (18.0, 26.0), (22.0, 30.0), (26.0, 34.0))


@dataclass
class Trials:
    """A batch of trials of one task (see the module docstring for the conventions).

    Attributes
    ----------
    inputs : ndarray (T, B, n_in)
    targets : ndarray (T, B, n_out)
    mask : ndarray (T, B, n_out)
    dt : float
        Step (ms).
    epochs : dict
        Epoch name -> (start, stop) in ms, the same for every trial.
    ground_truth : ndarray (B,) or None
        Correct choice: index of the winning output, or +1/-1 with one output.
    conditions : dict of ndarray (B,)
        What each trial drew.
    input_names, output_names : tuple of str
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    dt: float
    epochs: dict
    ground_truth: np.ndarray | None
    conditions: dict = field(default_factory=dict)
    input_names: tuple = ()
    output_names: tuple = ()

    @property
    def t(self) -> np.ndarray:
        """Start time of each step (ms), shape (T,)."""
        return self.dt * np.arange(self.inputs.shape[0])

    @property
    def n_trials(self) -> int:
        return self.inputs.shape[1]

    def steps(self, epoch: str) -> slice:
        """The steps of an epoch, as a slice of the time axis."""
        if epoch not in self.epochs:
            raise ValueError(f"no epoch {epoch!r}; epochs: {', '.join(self.epochs)}")
        start, stop = self.epochs[epoch]
        return slice(int(round(start / self.dt)), int(round(stop / self.dt)))


def _check_dt(dt):
    if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    return float(dt)


def _timeline(dt, **durations):
    """Epochs in order -> ({name: (start, stop) ms}, T); every duration a non-negative multiple of dt."""
    epochs = {}
    t = 0.0
    for name, d in durations.items():
        if not (isinstance(d, (int, float, np.floating)) and math.isfinite(d) and d >= 0):
            raise ValueError(f"{name} must be >= 0 ms, got {d!r}")
        n = d / dt
        if abs(n - round(n)) > 1e-9 * max(1.0, n):
            raise ValueError(f"{name} must be a multiple of dt = {dt:g} ms, got {d!r} ms")
        epochs[name] = (t, t + float(d))
        t += float(d)
    return epochs, int(round(t / dt))


def _check_n(n_trials):
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    return int(n_trials)


def _check_sigma(sigma_in):
    if not (isinstance(sigma_in, (int, float, np.floating)) and math.isfinite(sigma_in) and sigma_in >= 0):
        raise ValueError(f"sigma_in must be >= 0 (sqrt(ms)), got {sigma_in!r}")
    return float(sigma_in)


def _sl(epochs, name, dt):
    start, stop = epochs[name]
    return slice(int(round(start / dt)), int(round(stop / dt)))


def _check_grace(grace, decision, dt):
    if not (isinstance(grace, (int, float, np.floating)) and 0 <= grace < decision):
        raise ValueError(f"grace must be in [0, decision) = [0, {decision:g}) ms, got {grace!r}")
    n = grace / dt
    if abs(n - round(n)) > 1e-9 * max(1.0, n):
        raise ValueError(f"grace must be a multiple of dt = {dt:g} ms, got {grace!r} ms")
    return int(round(n))


def perceptual_decision(n_trials, *, dt=20.0, coherences=COHERENCES, fixation=100.0, stimulus=800.0,
                        decision=300.0, grace=100.0, sigma_in=0.5, seed=None) -> Trials:
    """Two-alternative forced choice on noisy evidence (random-dot motion discrimination).

    Inputs (n_in = 3): ``fixation`` (1 until the decision epoch: its offset is
    the go signal), ``evidence 1`` and ``evidence 2``, during the stimulus
    ``(1 +- c/100)/2`` plus noise for signed coherence c (%): c > 0 favours
    choice 1.  Outputs (n_out = 2): ``choice 1``, ``choice 2``; target 0 until
    the decision epoch, then 1 on the correct output and 0 on the other.  The
    mask is 1 except for the first ``grace`` ms of the decision epoch.

    Each trial draws |c| from ``coherences`` (%) and a random sign; at c = 0
    the correct choice is drawn at random (no evidence for either).

    ``ground_truth`` is 0 (choice 1) or 1 (choice 2); ``conditions["coherence"]``
    the signed coherence (%).  Epochs: fixation, stimulus, decision (ms).
    """
    B = _check_n(n_trials)
    dt = _check_dt(dt)
    sigma = _check_sigma(sigma_in)
    coh = np.asarray(coherences, dtype=np.float64)
    if coh.ndim != 1 or coh.size == 0 or np.any(coh < 0) or np.any(coh > 100):
        raise ValueError(f"coherences must be a non-empty list of values in [0, 100] %, got {coherences!r}")
    epochs, T = _timeline(dt, fixation=fixation, stimulus=stimulus, decision=decision)
    n_grace = _check_grace(grace, decision, dt)
    rng = np.random.default_rng(seed)
    c = rng.choice(coh, B) * rng.choice([-1.0, 1.0], B)
    truth = np.where(c > 0, 0, 1)
    zero = c == 0
    truth[zero] = rng.integers(0, 2, int(zero.sum()))
    stim, dec = _sl(epochs, "stimulus", dt), _sl(epochs, "decision", dt)

    inputs = np.zeros((T, B, 3))
    inputs[:dec.start, :, 0] = 1.0
    inputs[stim, :, 1] = 0.5 * (1.0 + c / 100.0)
    inputs[stim, :, 2] = 0.5 * (1.0 - c / 100.0)
    n_stim = stim.stop - stim.start
    inputs[stim, :, 1:] += sigma / math.sqrt(dt) * rng.standard_normal((n_stim, B, 2))

    targets = np.zeros((T, B, 2))
    targets[dec, np.arange(B), truth] = 1.0
    mask = np.ones((T, B, 2))
    mask[dec.start:dec.start + n_grace] = 0.0
    return Trials(inputs, targets, mask, dt, epochs, truth, {"coherence": c},
                  ("fixation", "evidence 1", "evidence 2"), ("choice 1", "choice 2"))


def context_dependent_integration(n_trials, *, dt=20.0, coherences=(5.0, 15.0, 50.0), fixation=300.0,
                                  stimulus=800.0, delay=300.0, decision=300.0, grace=100.0, sigma_in=0.5,
                                  target="choice", seed=None) -> Trials:
    """Context-dependent integration (Mante, Sussillo, Shenoy & Newsome 2013).

    Inputs (n_in = 5): ``motion`` and ``colour`` evidence during the stimulus
    (signed coherence c/100 plus noise each), the context cues ``context
    motion`` and ``context colour`` (one of them 1 for the whole trial), and an
    explicit ``go`` cue, 1 during the decision epoch.  (NeuroGym's version of
    the task has no go cue -- its issue 279 --, so its network must decide when
    to answer; here the delay and the go cue separate integration from report.)
    Output (n_out = 1): 0 until the go cue, then the sign of the *relevant*
    coherence (+1 or -1); the other dimension is to be ignored.  The mask is 1
    except for the first ``grace`` ms after the go cue.

    Each trial draws a context (0 motion, 1 colour) and the two coherences
    independently from ``+-coherences`` (%; Mante et al. used three levels per
    dimension).  ``ground_truth`` is +1 or -1; ``conditions``: ``context``,
    ``motion``, ``colour`` (signed %).  Epochs: fixation, stimulus (800 ms by
    default, a multiple of the default dt; the monkeys saw 750 ms), delay, decision.

    ``target="integral"`` asks for the evidence itself, not only the choice:
    during the stimulus the target is the running integral of the relevant
    input as the network receives it (noise included), scaled so that the
    strongest coherence reaches +-1 by the end of the stimulus without noise,

        y*(t) = 100 / (max(coherences) * stimulus) * integral_0^t u_relevant dt',

    held unchanged through the delay, and the sign of the relevant coherence
    in the decision epoch as before (``ground_truth`` is unchanged).  A network
    can meet it only by integrating the relevant input and keeping any value of
    the integral once the input is gone: a line attractor, as Mante et al.
    (2013) found in their trained networks.  The inputs, the mask and every
    draw are those of the default ``target="choice"`` (the task above).
    """
    B = _check_n(n_trials)
    dt = _check_dt(dt)
    sigma = _check_sigma(sigma_in)
    coh = np.asarray(coherences, dtype=np.float64)
    if coh.ndim != 1 or coh.size == 0 or np.any(coh <= 0) or np.any(coh > 100):
        raise ValueError(f"coherences must be a non-empty list of values in (0, 100] %, got {coherences!r}")
    if target not in ("choice", "integral"):
        raise ValueError(f"target must be 'choice' or 'integral', got {target!r}")
    epochs, T = _timeline(dt, fixation=fixation, stimulus=stimulus, delay=delay, decision=decision)
    n_grace = _check_grace(grace, decision, dt)
    rng = np.random.default_rng(seed)
    context = rng.integers(0, 2, B)
    motion = rng.choice(coh, B) * rng.choice([-1.0, 1.0], B)
    colour = rng.choice(coh, B) * rng.choice([-1.0, 1.0], B)
    truth = np.sign(np.where(context == 0, motion, colour))
    stim, dec = _sl(epochs, "stimulus", dt), _sl(epochs, "decision", dt)

    inputs = np.zeros((T, B, 5))
    inputs[stim, :, 0] = motion / 100.0
    inputs[stim, :, 1] = colour / 100.0
    n_stim = stim.stop - stim.start
    inputs[stim, :, :2] += sigma / math.sqrt(dt) * rng.standard_normal((n_stim, B, 2))
    inputs[:, np.arange(B), 2 + context] = 1.0
    inputs[dec, :, 4] = 1.0

    targets = np.zeros((T, B, 1))
    if target == "integral":
        if stimulus <= 0:
            raise ValueError(f"stimulus must be > 0 ms with target='integral', got {stimulus!r}")
        relevant = inputs[stim, np.arange(B), context]  # (n_stim, B): the channel the context selects
        running = np.cumsum(relevant, axis=0) * dt * (100.0 / (coh.max() * stimulus))
        targets[stim, :, 0] = running
        targets[stim.stop:dec.start, :, 0] = running[-1]
    targets[dec, :, 0] = truth
    mask = np.ones((T, B, 1))
    mask[dec.start:dec.start + n_grace] = 0.0
    return Trials(inputs, targets, mask, dt, epochs, truth,
                  {"context": context, "motion": motion, "colour": colour},
                  ("motion", "colour", "context motion", "context colour", "go"), ("choice",))


def delayed_match_to_sample(n_trials, *, dt=20.0, n_stimuli=4, fixation=100.0, sample=300.0, delay=1000.0,
                            test=300.0, decision=300.0, grace=100.0, sigma_in=0.5, seed=None) -> Trials:
    """Delayed match-to-sample (Miller, Erickson & Desimone 1996).

    Inputs (n_in = 1 + n_stimuli): ``fixation`` (1 until the decision epoch)
    and one channel per stimulus (one-hot, plus noise) during the sample and
    the test epochs.  Outputs (n_out = 2): ``match``, ``non-match``; target 0
    until the decision epoch, then 1 on the correct output.  The test stimulus
    equals the sample with probability 1/2, else it is another stimulus drawn
    at random.  ``ground_truth`` is 0 (match) or 1 (non-match);
    ``conditions``: ``sample``, ``test`` (stimulus indices).  Epochs: fixation,
    sample, delay, test, decision.
    """
    B = _check_n(n_trials)
    dt = _check_dt(dt)
    sigma = _check_sigma(sigma_in)
    if isinstance(n_stimuli, bool) or not isinstance(n_stimuli, (int, np.integer)) or n_stimuli < 2:
        raise ValueError(f"n_stimuli must be an integer >= 2, got {n_stimuli!r}")
    epochs, T = _timeline(dt, fixation=fixation, sample=sample, delay=delay, test=test, decision=decision)
    n_grace = _check_grace(grace, decision, dt)
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n_stimuli, B)
    match = rng.random(B) < 0.5
    other = (s + rng.integers(1, n_stimuli, B)) % n_stimuli  # uniform over the other stimuli
    t_stim = np.where(match, s, other)
    truth = np.where(match, 0, 1)
    sam, tst, dec = _sl(epochs, "sample", dt), _sl(epochs, "test", dt), _sl(epochs, "decision", dt)

    inputs = np.zeros((T, B, 1 + n_stimuli))
    inputs[:dec.start, :, 0] = 1.0
    for sl, which in ((sam, s), (tst, t_stim)):
        inputs[sl, np.arange(B), 1 + which] = 1.0
        inputs[sl, :, 1:] += sigma / math.sqrt(dt) * rng.standard_normal((sl.stop - sl.start, B, n_stimuli))

    targets = np.zeros((T, B, 2))
    targets[dec, np.arange(B), truth] = 1.0
    mask = np.ones((T, B, 2))
    mask[dec.start:dec.start + n_grace] = 0.0
    names = ("fixation",) + tuple(f"stimulus {i + 1}" for i in range(n_stimuli))
    return Trials(inputs, targets, mask, dt, epochs, truth, {"sample": s, "test": t_stim}, names,
                  ("match", "non-match"))


def parametric_working_memory(n_trials, *, dt=20.0, pairs=ROMO_PAIRS, fixation=100.0, stimulus=500.0,
                              delay=3000.0, decision=300.0, grace=100.0, sigma_in=0.5, seed=None) -> Trials:
    """Parametric working memory (Romo, Brody, Hernandez & Lemus 1999): is f1 > f2?

    Two vibrations of frequencies f1 and f2 (Hz), each ``stimulus`` ms long,
    are separated by a ``delay`` (3 s in the experiment).  Inputs (n_in = 3):
    ``fixation`` (1 until the decision epoch) and two channels tuned to the
    frequency with opposite slopes, like the monkeys' S2/PFC neurons: ``0.2 +
    0.8 a`` and ``0.2 + 0.8 (1 - a)`` with ``a = (f - f_min)/(f_max - f_min)``
    over the pairs, plus noise, during each stimulus.  Outputs (n_out = 2):
    ``f1 > f2``, ``f1 < f2``, target 1 on the correct one in the decision epoch.
    ``ground_truth`` is 0 (f1 > f2) or 1; ``conditions``: ``f1``, ``f2`` (Hz).
    Epochs: fixation, f1, delay, f2, decision.
    """
    B = _check_n(n_trials)
    dt = _check_dt(dt)
    sigma = _check_sigma(sigma_in)
    pairs = np.asarray(pairs, dtype=np.float64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] < 1 or np.any(pairs <= 0) \
            or np.any(pairs[:, 0] == pairs[:, 1]):
        raise ValueError("pairs must be a list of (f1, f2) with f1 != f2 > 0 Hz")
    epochs, T = _timeline(dt, fixation=fixation, f1=stimulus, delay=delay, f2=stimulus, decision=decision)
    n_grace = _check_grace(grace, decision, dt)
    rng = np.random.default_rng(seed)
    chosen = pairs[rng.integers(0, pairs.shape[0], B)]
    f1, f2 = chosen[:, 0], chosen[:, 1]
    f_min, f_max = pairs.min(), pairs.max()
    truth = np.where(f1 > f2, 0, 1)
    s1, s2, dec = _sl(epochs, "f1", dt), _sl(epochs, "f2", dt), _sl(epochs, "decision", dt)

    inputs = np.zeros((T, B, 3))
    inputs[:dec.start, :, 0] = 1.0
    for sl, f in ((s1, f1), (s2, f2)):
        a = (f - f_min) / (f_max - f_min)
        inputs[sl, :, 1] = 0.2 + 0.8 * a
        inputs[sl, :, 2] = 0.2 + 0.8 * (1.0 - a)
        inputs[sl, :, 1:] += sigma / math.sqrt(dt) * rng.standard_normal((sl.stop - sl.start, B, 2))

    targets = np.zeros((T, B, 2))
    targets[dec, np.arange(B), truth] = 1.0
    mask = np.ones((T, B, 2))
    mask[dec.start:dec.start + n_grace] = 0.0
    return Trials(inputs, targets, mask, dt, epochs, truth, {"f1": f1, "f2": f2},
                  ("fixation", "frequency +", "frequency -"), ("f1 > f2", "f1 < f2"))


def flip_flop(n_trials, *, dt=10.0, duration=2000.0, n_bits=3, pulse_rate=2.0, pulse_duration=30.0,
              seed=None) -> Trials:
    """The n-bit flip-flop of Sussillo & Barak (2013) (3 bits by default).

    Each of the ``n_bits`` inputs receives, at random times (a Poisson process
    of ``pulse_rate`` Hz, never overlapping), pulses of +1 or -1 lasting
    ``pulse_duration`` ms.  Output k must hold the sign of the last pulse on
    input k: the target is that sign from the pulse's onset on.  The mask is 0
    before the first pulse of a channel (nothing to remember yet) and during
    each pulse (the flip itself), 1 elsewhere.  ``ground_truth`` is None;
    ``conditions["n_pulses"]`` counts the pulses per trial and bit, shape (B, n_bits).
    Epochs: one, ``trial``.
    """
    B = _check_n(n_trials)
    dt = _check_dt(dt)
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)) or n_bits < 1:
        raise ValueError(f"n_bits must be a positive integer, got {n_bits!r}")
    if not (isinstance(pulse_rate, (int, float, np.floating)) and math.isfinite(pulse_rate) and pulse_rate > 0):
        raise ValueError(f"pulse_rate must be > 0 Hz, got {pulse_rate!r}")
    epochs, T = _timeline(dt, trial=duration)
    _, n_pulse = _timeline(dt, pulse_duration=pulse_duration)
    if n_pulse < 1:
        raise ValueError(f"pulse_duration must be >= dt = {dt:g} ms, got {pulse_duration!r}")
    p_onset = pulse_rate * dt / 1000.0
    if p_onset >= 1:
        raise ValueError(f"pulse_rate must be < 1/dt = {1000.0 / dt:g} Hz, got {pulse_rate!r}")
    rng = np.random.default_rng(seed)
    onset = rng.random((T, B, n_bits)) < p_onset
    sign = rng.choice([-1.0, 1.0], (T, B, n_bits))

    inputs = np.zeros((T, B, n_bits))
    targets = np.zeros((T, B, n_bits))
    mask = np.zeros((T, B, n_bits))
    held = np.zeros((B, n_bits))  # sign of the last pulse (0 before the first)
    busy = np.zeros((B, n_bits), dtype=np.int64)  # steps left in the current pulse
    count = np.zeros((B, n_bits), dtype=np.int64)
    for k in range(T):
        start = onset[k] & (busy == 0)
        held = np.where(start, sign[k], held)
        busy = np.where(start, n_pulse, busy)
        count += start
        inputs[k] = np.where(busy > 0, held, 0.0)
        targets[k] = held
        mask[k] = (held != 0) & (busy == 0)
        busy = np.maximum(busy - 1, 0)
    names = tuple(f"bit {i + 1}" for i in range(n_bits))
    return Trials(inputs, targets, mask.astype(np.float64), dt, epochs, None, {"n_pulses": count}, names, names)
