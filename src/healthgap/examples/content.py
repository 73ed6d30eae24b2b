"""The words of the example workspace: illustrative records, written for healthgap.

Nothing here is any authority's real plan, target, screening, spending or case study.
The example is set in Greater Manchester only so that its indicators have real data to
be read against (targets' baselines are read from the store); every record says it is
an example in its own text as well as carrying the ``example`` marker.
"""

from __future__ import annotations

from typing import Any

#: The authority the example is set in (Greater Manchester Combined Authority).
AUTHORITY = "E47000001"
AUTHORITY_NAME = "Greater Manchester"
#: Who the records are written by (audit log, screening authors, framework actors).
ACTOR = "Example workspace (healthgap demo)"
#: The sentence every example record carries in its own text.
DISCLAIMER = "Illustrative example written for healthgap: not a real plan or record."

#: Targets: the baseline is the latest value in the store (sex Persons); the target value
#: is the baseline moved by ``change`` (illustrative, in the indicator's own unit).
TARGETS: tuple[dict[str, Any], ...] = (
    {
        "indicator_id": "els_employment_rate",
        "change": 3.0,
        "target_year": 2030,
        "note": f"Raise the employment rate by 3 percentage points. {DISCLAIMER}",
    },
    {
        "indicator_id": "adult_obesity",
        "change": -2.0,
        "target_year": 2030,
        "note": f"Lower the share of adults living with obesity by 2 points. {DISCLAIMER}",
    },
)

SCREENING_TITLE = "Example: extending the capped bus fare to evening services"
SCREENING_ANSWERS: dict[str, Any] = {
    "summary": (
        "An illustrative proposal to apply the capped single bus fare to services after "
        f"7pm, so that shift workers pay the same as daytime travellers. {DISCLAIMER}"
    ),
    "reach": (
        "People who travel by bus in the evening: in this example, mainly shift workers, "
        "students and people without a car."
    ),
    "data_used": (
        "Employment rate and claimant count by district, deprivation deciles of small "
        "areas, and (in a real screening) bus patronage by time of day."
    ),
    "deprivation": "more deprived areas gain more",
    "plus_groups": ["unpaid carers", "people with severe mental illness"],
    "determinants": ["transport", "work and employment", "access to services"],
    "evidence": (
        "Example answer: fare studies generally find that lower fares raise travel most "
        "among people on low incomes; a real screening would cite them."
    ),
}

#: Actions of the example action plan (fields of :data:`healthgap.framework.actions.FIELDS`).
ACTIONS: tuple[dict[str, Any], ...] = (
    {
        "title": "Example: employment support offered in GP practices in the most deprived areas",
        "competence": "skills",
        "indicators": ["els_employment_rate"],
        "owner": "Example: work and skills team",
        "start": "2026-04-01",
        "due": "2028-03-31",
        "status": "in progress",
    },
    {
        "title": "Example: evening bus fares capped at the daytime price",
        "competence": "transport",
        "indicators": ["els_claimant_count"],
        "owner": "Example: transport team",
        "start": "2026-09-01",
        "due": "2027-08-31",
        "status": "planned",
    },
    {
        "title": "Example: healthy-weight programme with the example voluntary-sector partner",
        "competence": "health",
        "indicators": ["adult_obesity"],
        "owner": "Example: public health team",
        "start": "2026-06-01",
        "due": "2029-03-31",
        "status": "draft",
    },
)

PARTNER = {"name": "Example Voluntary Sector Network", "type": "voluntary sector"}

COMMITMENTS: tuple[dict[str, Any], ...] = (
    {
        "title": "Example: share employment-support referrals every month",
        "summary": f"The authority and its partner agree to pool referral figures. {DISCLAIMER}",
        "authority_commits": "Example: publish referral figures by district each month",
        "partner_commits_to": "Example: report referrals and outcomes from its projects",
        "partner_signed": "2026-05-01",
        "levers": ["employment support"],
        "indicators": ["els_employment_rate"],
        "agreed": "2026-05-01",
        "due": "2027-05-01",
        "status": "agreed",
    },
)

CASE_STUDIES: tuple[dict[str, Any], ...] = (
    {
        "id": "example-evening-fares",
        "title": "Example: evening fares and shift workers",
        "summary": (
            "An invented case study showing how a case is recorded: a city region caps "
            f"evening bus fares and tracks journeys by shift workers. {DISCLAIMER}"
        ),
        "outcome": "None: this case did not happen; it shows the fields a real case fills in.",
        "levers": ["fares"],
        "competences": ["transport"],
        "population_groups": ["Core20 areas"],
        "outcomes": ["employment"],
        "source_title": "Illustrative example (healthgap demo), not a published source",
        "source_url": "https://example.org/healthgap/example-evening-fares",
        "published": "2026-01-01",
    },
    {
        "id": "example-gp-employment",
        "title": "Example: employment advisers in GP practices",
        "summary": (
            "An invented case study: employment advisers work from GP practices in the most "
            f"deprived neighbourhoods. {DISCLAIMER}"
        ),
        "outcome": "None: this case did not happen; it shows the fields a real case fills in.",
        "levers": ["employment support"],
        "competences": ["skills", "health"],
        "population_groups": ["Core20 areas"],
        "outcomes": ["employment", "healthy life expectancy"],
        "source_title": "Illustrative example (healthgap demo), not a published source",
        "source_url": "https://example.org/healthgap/example-gp-employment",
        "published": "2026-01-01",
    },
)

#: The example ledger: one made-up commissioner and providers; amounts per head are
#: illustrative and multiplied by nothing real (a fixed amount per member district).
LEDGER_LABEL = "EXAMPLE data for the healthgap demo: not real spending"
COMMISSIONER = {"code": "EXAMPLEICB1", "name": "Example ICB (illustrative, not real)"}
LEDGER_PERIOD = "2025-26"
LEDGER_PROGRAMME = "example prevention programme"
#: Pounds allocated, and pounds sent to each member district (in order) for the programme.
LEDGER_ALLOCATION = 1_000_000.00
LEDGER_PER_DISTRICT = 80_000.00
LEDGER_PROVIDER = {
    "code": "EXAMPLEVCS1",
    "name": "Example Voluntary Sector Network",
    "type": "voluntary_sector",
}
