"""Attractor networks of the course: Hopfield, modern Hopfield, CANN, CANN with adaptation.

Sessions "连续吸引子网络模型及其编程实现 (上/下)" of the course notes.  Each model is a
small parameter record plus one right-hand side; simulation, analysis and the
plotting helpers in ``coursekit.plotting.attractors`` all call that one function.

* ``hopfield`` -- Amari-Hopfield network (Hopfield 1982): Hebbian weights,
  synchronous / asynchronous updates, energy, capacity curve (alpha_c ~= 0.138).
* ``modern_hopfield`` -- two-layer modern Hopfield network (Krotov & Hopfield
  2021) with Lagrangian activations: softmax (Ramsauer et al. 2021) and
  polynomial dense associative memory (Krotov & Hopfield 2016).
* ``cann`` -- 1-D continuous attractor network on a ring (Wu, Hamaguchi & Amari
  2008): analytic bump and k_c, simulation, tracking-lag theory.
* ``cann_adaptation`` -- CANN with spike-frequency adaptation (Mi, Fung, Wong &
  Wu 2014): travelling waves, intrinsic speed, tracking regimes, anticipation.
* ``cann2d`` -- the CANN on a torus, for place-/grid-cell style demos.
* ``analysis`` -- decoding (population vector), bump fits, speeds, tracking regimes.
"""
from .analysis import (
    OSCILLATORY_TRACKING,
    SMOOTH_TRACKING,
    TRAVELLING_WAVE,
    bump_speed,
    classify_tracking,
    fit_bump,
    population_vector,
    tracking_lag,
    unwrap_positions,
)
from .cann import (
    CANN1D,
    CANNResult,
    bump_profile,
    cann_rhs,
    critical_inhibition,
    moving_stimulus,
    simulate_cann,
    stationary_bump,
    tracking_lag_theory,
)
from .cann2d import (
    CANN2D,
    CANN2DResult,
    bump_profile_2d,
    population_vector_2d,
    simulate_cann2d,
    stationary_bump_2d,
)
from .cann_adaptation import (
    AdaptiveCANN1D,
    TrackingPhaseDiagram,
    intrinsic_speed,
    tracking_phase_diagram,
    travelling_wave_initial_state,
)
from .hopfield import (
    CapacityCurve,
    HopfieldResult,
    capacity_curve,
    corrupt_pattern,
    estimate_capacity,
    hebbian_weights,
    hopfield_energy,
    hopfield_update,
    overlap,
    random_patterns,
    run_hopfield,
)
from .modern_hopfield import (
    LogCoshLagrangian,
    LogSumExpLagrangian,
    ModernHopfield,
    ModernHopfieldResult,
    PolynomialLagrangian,
    QuadraticLagrangian,
    energy_rate,
    modern_hopfield_energy,
    modern_hopfield_rhs,
    simulate_modern_hopfield,
    softmax_update,
)

__all__ = [
    # Hopfield
    "hebbian_weights",
    "hopfield_energy",
    "hopfield_update",
    "overlap",
    "corrupt_pattern",
    "random_patterns",
    "run_hopfield",
    "HopfieldResult",
    "capacity_curve",
    "estimate_capacity",
    "CapacityCurve",
    # modern Hopfield
    "ModernHopfield",
    "ModernHopfieldResult",
    "modern_hopfield_rhs",
    "modern_hopfield_energy",
    "energy_rate",
    "simulate_modern_hopfield",
    "softmax_update",
    "QuadraticLagrangian",
    "LogCoshLagrangian",
    "LogSumExpLagrangian",
    "PolynomialLagrangian",
    # CANN
    "CANN1D",
    "CANNResult",
    "simulate_cann",
    "cann_rhs",
    "critical_inhibition",
    "stationary_bump",
    "bump_profile",
    "moving_stimulus",
    "tracking_lag_theory",
    # 2-D CANN
    "CANN2D",
    "CANN2DResult",
    "simulate_cann2d",
    "stationary_bump_2d",
    "bump_profile_2d",
    "population_vector_2d",
    # CANN with adaptation
    "AdaptiveCANN1D",
    "intrinsic_speed",
    "travelling_wave_initial_state",
    "tracking_phase_diagram",
    "TrackingPhaseDiagram",
    # analysis
    "population_vector",
    "fit_bump",
    "unwrap_positions",
    "bump_speed",
    "tracking_lag",
    "classify_tracking",
    "TRAVELLING_WAVE",
    "OSCILLATORY_TRACKING",
    "SMOOTH_TRACKING",
]
