"""Networks: spiking-network engine, circuits of the course, attractor networks.

Submodules are imported on demand (``coursekit.networks.attractors``, ...), so
``import coursekit`` stays light.
"""
