"""Defaults of the HEAT summary measures that callers show before any computing (the
CLI's option defaults): importing this module loads nothing else."""

#: Default Monte Carlo repetitions and seed (a fixed seed makes results reproducible).
DEFAULT_REPETITIONS = 10_000
DEFAULT_SEED = 20_160_057
