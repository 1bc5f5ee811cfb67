"""Kernel functions shared by several models (no event, no reset, no noise,
threshold crossing).  Models import the ones they need under the names the
solvers expect (``event``, ``reset``, ``diffusion``)."""
from .._jit import njit


@njit
def no_event(t, h, y_prev, y, p):
    """A model without spikes: never reports an event."""
    return -1.0


@njit
def no_reset(y, p):
    """A model without a reset rule."""
    return None


@njit
def no_diffusion(t, y, p, g):
    """A deterministic model: zero noise amplitude for every variable."""
    for i in range(y.shape[0]):
        g[i] = 0.0


@njit
def crossing(v_prev, v, threshold):
    """Fraction of the step at which ``v`` crossed ``threshold`` upwards, or -1.

    For models without a reset (HH, FitzHugh--Nagumo): only an upward crossing
    counts, so a spike is counted once however long V stays above threshold.
    Linear interpolation between the values at the ends of the step.
    """
    if v >= threshold and v_prev < threshold:
        return (threshold - v_prev) / (v - v_prev)
    return -1.0


@njit
def reached(v_prev, v, threshold):
    """Like :func:`crossing`, for models with a reset: ``v >= threshold`` fires
    even when the step started above threshold (then at the step's start)."""
    if v >= threshold:
        if v_prev < threshold:
            return (threshold - v_prev) / (v - v_prev)
        return 0.0
    return -1.0


# Sign-only twins for the network engine, which aligns spikes to the step end
# and needs only *whether* a neuron fired: the same conditions without the
# interpolating division (a division per neuron and step costs as much as the
# rest of a LIF update).  ``coursekit.networks._codegen`` binds them in place of
# the two above; a test checks that the signs agree.
@njit
def crossing_sign(v_prev, v, threshold):
    """0.0 where :func:`crossing` is >= 0, else -1.0."""
    return 0.0 if (v >= threshold and v_prev < threshold) else -1.0


@njit
def reached_sign(v_prev, v, threshold):
    """0.0 where :func:`reached` is >= 0, else -1.0."""
    return 0.0 if v >= threshold else -1.0


SIGN_ONLY = {"crossing": crossing_sign, "reached": reached_sign}
