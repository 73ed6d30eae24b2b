"""The devolution framework workspace: powers register, appreciative enquiry, action plans
and the shared learning library (GitHub issue 9).

Domain layer only: the CLI (``healthgap framework``) and the web pages call these.
"""

from __future__ import annotations

from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import Commitments
from healthgap.framework.enquiry import Enquiry, prompts
from healthgap.framework.export import export
from healthgap.framework.library import Library
from healthgap.framework.partners import Partnerships, suggested_partners
from healthgap.framework.powers import COMPETENCES, TIERS, PowersRepository, Register, register
from healthgap.framework.storage import Actor, NotPermittedError, Workspace

__all__ = [
    "COMPETENCES",
    "TIERS",
    "ActionPlan",
    "Actor",
    "Commitments",
    "Enquiry",
    "Library",
    "NotPermittedError",
    "Partnerships",
    "PowersRepository",
    "Register",
    "Workspace",
    "export",
    "prompts",
    "register",
    "suggested_partners",
]
