"""Spikes, reset and refractoriness after a step: one block for every method.

``after_step`` runs once a step from ``y_prev`` (at ``t``) to ``y`` (at
``t + h``) is taken, by the fixed-step kernels and by rk45 for each accepted
step.  For a model with a reset (``hold >= 0``: the integrate-and-fire family,
``hold`` the index of the variable clamped while refractory) a step that
contains a spike is redone with Euler: to the interpolated spike time, reset,
then on to the step's end.  A higher-order method's stages evaluate the model
beyond its cut-off (AdEx/ExpIF: the exponential explodes there) and would
carry that into the other variables (w); Euler only evaluates the step's start.
The local error is O(h^2) per spike, as for any scheme with threshold events.
Models without a reset (HH) only have their spike time interpolated.
"""


def after_step(rhs, event, reset, t, h, y_prev, y, I, p, d, k1, k2, yt, hold, t_ref, t_last, held):
    """Apply refractoriness, detect a spike in [t, t + h], reset (in place on ``y``).

    Returns ``(changed, fired, ts, t_last, held)``: whether ``y`` was modified
    (held or reset: an adaptive method must re-evaluate its slope), whether a
    spike happened and at which time ``ts`` (ms), and the updated time of the
    last spike and value of the held variable.  ``k1``, ``k2`` and ``yt`` are
    scratch.
    """
    t_new = t + h
    if hold >= 0 and t_new < t_last + t_ref:
        y[hold] = held
        return True, False, 0.0, t_last, held
    frac = event(t, h, y_prev, y, p)
    if frac >= 0.0 and hold >= 0:
        rhs(t, y_prev, I, p, k1)
        for i in range(d):
            yt[i] = y_prev[i] + h * k1[i]
        frac = event(t, h, y_prev, yt, p)
        if frac < 0.0:
            frac = 1.0
        for i in range(d):
            y[i] = y_prev[i] + frac * h * k1[i]
    if frac < 0.0:
        return False, False, 0.0, t_last, held
    ts = t + frac * h
    reset(y, p)
    t_last = ts
    if hold >= 0:
        held = y[hold]
        rest = (1.0 - frac) * h
        if rest > 0.0:
            rhs(ts, y, I, p, k2)
            for i in range(d):
                y[i] = y[i] + rest * k2[i]
        if t_new < t_last + t_ref:
            y[hold] = held
    return True, True, ts, t_last, held
