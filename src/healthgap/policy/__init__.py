"""Policy equity impact: distributional simulation, growth benefits and screening.

See ``docs/policy.md``.
"""

from healthgap.policy.benefits import benefit_distribution
from healthgap.policy.simulate import Simulation, effects_by_area, simulate
from healthgap.policy.spec import (
    PolicyOption,
    Range,
    SimulationSpec,
    load_spec,
    proportionate_weights,
    spec_from_dict,
)
from healthgap.policy.verdict import verdict

__all__ = [
    "PolicyOption",
    "Range",
    "Simulation",
    "SimulationSpec",
    "benefit_distribution",
    "effects_by_area",
    "load_spec",
    "proportionate_weights",
    "simulate",
    "spec_from_dict",
    "verdict",
]
