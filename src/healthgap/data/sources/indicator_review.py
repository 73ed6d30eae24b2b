"""The reviewed polarity and domain table: what "better" means for each indicator.

Neither ONS Explore Local Statistics nor the Fingertips metadata extract says which
direction is better, so healthgap never guesses it: every indicator it loads is listed
here with its polarity, the reason for it, and the profile domain it belongs to. An
indicator without an entry cannot be loaded (the parsers raise), so a new source forces
a review. Where no judgement fits (GVA, recorded prevalence, place of death), the
polarity is :data:`NO_JUDGEMENT` and comparisons read "higher"/"lower", never
"better"/"worse".

Domains follow the four profile headings: health outcomes, health improvement (risk
factors and behaviours), wider determinants, and healthcare (services, screening,
vaccination, admissions).

``UNIT_OVERRIDES`` records publisher unit labels that contradict the publisher's own
metadata, each with the evidence; the loaders refuse any other disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthgap.data.sources._common import HIGH_IS_GOOD, LOW_IS_GOOD

#: Fingertips' wording for an indicator compared without judgement ("Blue orange blue").
NO_JUDGEMENT = "BOB - Blue orange blue"

OUTCOMES = "Health outcomes"
IMPROVEMENT = "Health improvement"
WIDER = "Wider determinants"
HEALTHCARE = "Healthcare"

#: Profile domains in display order.
DOMAINS: tuple[str, ...] = (OUTCOMES, IMPROVEMENT, WIDER, HEALTHCARE)


@dataclass(frozen=True)
class Review:
    """One reviewed indicator: its domain, polarity and the reason for the polarity."""

    domain: str
    polarity: str
    reason: str


def _hi(domain: str, reason: str) -> Review:
    return Review(domain, HIGH_IS_GOOD, reason)


def _lo(domain: str, reason: str) -> Review:
    return Review(domain, LOW_IS_GOOD, reason)


def _none(domain: str, reason: str) -> Review:
    return Review(domain, NO_JUDGEMENT, "No judgement: " + reason)


_RECORDED = "recorded prevalence also reflects how well cases are found and recorded"

REVIEWED: dict[str, Review] = {
    # --- already in the store before issue 15 ---------------------------------------
    "hle_birth": _hi(OUTCOMES, "more years in good health is better"),
    "hle_birth_dec2023": _hi(OUTCOMES, "more years in good health is better"),
    "le_birth": _hi(OUTCOMES, "longer life is better"),
    "le_65": _hi(OUTCOMES, "longer life is better"),
    "93722": _lo(OUTCOMES, "fewer preventable deaths is better (PHOF: low is good)"),
    "adult_obesity": _lo(IMPROVEMENT, "less obesity is better (PHOF: low is good)"),
    "hle_birth_imd2015_decile": _hi(OUTCOMES, "more years in good health is better"),
    "years_in_poorer_health_imd2015_decile": _lo(
        OUTCOMES, "fewer years lived in poorer health is better"
    ),
    # --- ONS Explore Local Statistics -------------------------------------------------
    "els_drive_to_work": _lo(WIDER, "a shorter journey to an employment centre is better access"),
    "els_cycle_to_work": _lo(WIDER, "a shorter journey to an employment centre is better access"),
    "els_public_transport_or_walk_to_work": _lo(
        WIDER, "a shorter journey to an employment centre is better access"
    ),
    "els_cancer_diagnosis_at_stage_1_and_2": _hi(
        HEALTHCARE, "earlier diagnosis is better (PHOF 93671: high is good)"
    ),
    "els_children_in_relative_poverty_before_housing_costs": _lo(WIDER, "less poverty is better"),
    "els_children_in_relative_poverty_after_housing_costs": _lo(WIDER, "less poverty is better"),
    "els_cigarette_smokers": _lo(IMPROVEMENT, "less smoking is better (PHOF: low is good)"),
    "els_claimant_count": _lo(WIDER, "fewer people claiming out-of-work benefits is better"),
    "els_communication_and_language": _hi(
        WIDER, "more children at the expected level of development is better"
    ),
    "els_literacy": _hi(WIDER, "more children at the expected level of development is better"),
    "els_mathematics": _hi(WIDER, "more children at the expected level of development is better"),
    "els_employment_rate": _hi(WIDER, "higher employment is better"),
    "els_economically_inactive": _none(
        WIDER, "inactivity includes students, carers and early retirement by choice"
    ),
    "els_engaged_with_the_arts": _hi(
        WIDER, "engagement in culture is a wellbeing outcome (Levelling Up mission 9)"
    ),
    "els_visited_a_heritage_site": _hi(
        WIDER, "engagement in culture is a wellbeing outcome (Levelling Up mission 9)"
    ),
    "els_visited_a_museum_or_gallery": _hi(
        WIDER, "engagement in culture is a wellbeing outcome (Levelling Up mission 9)"
    ),
    "els_visited_a_public_library": _hi(
        WIDER, "engagement in culture is a wellbeing outcome (Levelling Up mission 9)"
    ),
    "els_food_outlets": _none(WIDER, "outlets range from fast food to restaurants"),
    "els_further_education_and_skills_learner_achievements": _hi(
        WIDER, "more adults gaining qualifications is better"
    ),
    "els_further_education_and_skills_participation": _hi(
        WIDER, "more adults in further education and skills is better"
    ),
    "els_gcses_in_english_and_maths": _hi(WIDER, "more pupils achieving the standard is better"),
    "els_gross_disposable_household_income": _hi(
        WIDER, "higher household income is better (the mission's income measure)"
    ),
    "els_gross_median_weekly_pay": _hi(WIDER, "higher pay is better"),
    "els_gross_value_added_per_hour_worked": _none(
        WIDER, "GVA measures output, not residents' wellbeing"
    ),
    "els_gross_value_added_per_filled_job": _none(
        WIDER, "GVA measures output, not residents' wellbeing"
    ),
    "els_homicide_offences": _lo(WIDER, "fewer homicides is better"),
    "els_housing_affordability_ratio_residence_based": _lo(
        WIDER, "a lower house price to earnings ratio is more affordable"
    ),
    "els_residents_within_a_30_minute_walk_of_their_nearest_library": _hi(
        WIDER, "more residents within walking distance is better access"
    ),
    "els_residents_within_a_30_minute_walk_of_their_nearest_railway_station": _hi(
        WIDER, "more residents within walking distance is better access"
    ),
    "els_modelled_unemployment_rate": _lo(WIDER, "lower unemployment is better"),
    "els_net_additions_to_the_housing_stock_england": _none(
        WIDER, "the right amount of building depends on local need"
    ),
    "els_persistent_absences_for_all_pupils": _lo(WIDER, "less persistent absence is better"),
    "els_persistent_absences_for_pupils_eligible_for_free_school_meals": _lo(
        WIDER, "less persistent absence is better"
    ),
    "els_persistent_absences_for_pupils_looked_after_by_local_authorities": _lo(
        WIDER, "less persistent absence is better"
    ),
    "els_anxiety": _lo(OUTCOMES, "lower anxiety is better (0 = not at all anxious)"),
    "els_happiness": _hi(OUTCOMES, "higher happiness is better"),
    "els_satisfaction": _hi(OUTCOMES, "higher life satisfaction is better"),
    "els_worthwhile": _hi(OUTCOMES, "feeling that life is worthwhile is better"),
    "els_pupils_meeting_the_expected_standard_in_reading_writing_and_maths": _hi(
        WIDER, "more pupils at the expected standard is better"
    ),
    "els_level_3_or_above_qualifications_great_britain": _hi(
        WIDER, "more adults qualified to level 3 is better"
    ),
    "els_no_qualifications": _lo(WIDER, "fewer adults without qualifications is better"),
    "els_sports_facilities": _none(WIDER, "a count of facilities says nothing of use or quality"),
    "els_supermarkets": _none(WIDER, "a count of chain stores says nothing of access or prices"),
    # --- OHID Fingertips (extract for the North West) -----------------------------------
    "241": _none(HEALTHCARE, _RECORDED),
    "247": _none(HEALTHCARE, _RECORDED),
    "337": _none(HEALTHCARE, "a population count, context for other indicators"),
    "352": _none(WIDER, "caring is a need to support, not a performance measure"),
    "383": _none(HEALTHCARE, "self-reported condition prevalence (GP Patient Survey)"),
    "20401": _lo(IMPROVEMENT, "fewer under-18 conceptions is better (PHOF: low is good)"),
    "22401": _lo(HEALTHCARE, "fewer emergency admissions for falls is better"),
    "30302": _hi(HEALTHCARE, "higher vaccination coverage is better"),
    "41101": _lo(HEALTHCARE, "fewer emergency readmissions is better"),
    "41203": _lo(HEALTHCARE, "less preventable sight loss is better"),
    "90453": _none(IMPROVEMENT, "more former smokers can mean more smokers to begin with"),
    "91040": _hi(HEALTHCARE, "offering health checks to more of the eligible is better"),
    "91344": _none(HEALTHCARE, "referral rates reflect both need and practice (Fingertips BOB)"),
    "91894": _none(HEALTHCARE, "the right place of death depends on the person's wishes"),
    "93474": _none(HEALTHCARE, "the right place of death depends on the person's wishes"),
    "92026": _lo(IMPROVEMENT, "less childhood obesity is better (NCMP)"),
    "92033": _lo(IMPROVEMENT, "less childhood obesity is better (NCMP)"),
    "92266": _none(OUTCOMES, "a fertility rate is context, not performance"),
    "92708": _none(WIDER, "a population count, context for other indicators"),
    "92904": _lo(IMPROVEMENT, "fewer alcohol-specific admissions of under-18s is better"),
    "93015": _lo(IMPROVEMENT, "fewer physically inactive adults is better"),
    "93085": _lo(IMPROVEMENT, "less smoking in pregnancy is better"),
    "93088": _lo(IMPROVEMENT, "less overweight and obesity is better"),
    "93124": _lo(OUTCOMES, "less acute hepatitis B is better"),
    "93553": _none(WIDER, "the deprivation score is context for every other indicator"),
    "93701": _lo(WIDER, "fewer children in low-income families is better"),
    "93763": _lo(OUTCOMES, "fewer alcohol-related deaths is better"),
    "93861": _lo(OUTCOMES, "less mortality attributable to air pollution is better"),
    "94035": _none(HEALTHCARE, "cataract surgery rates reflect both need and access"),
    "94063": _hi(HEALTHCARE, "higher screening coverage is better"),
    "94103": _none(OUTCOMES, "a modelled prevalence estimate, context for services"),
    # --- district access and homelessness (humaniverse/healthyr reshapes) -------------
    "gp_patients_per_fte": _lo(
        HEALTHCARE,
        "fewer registered patients per fully qualified GP is better access (NHS "
        "England's under-doctored areas measure: high is worse)",
    ),
    "homeless_assessed_per_1000": _lo(WIDER, "fewer households assessed as homeless is better"),
    "health_index_overall": _hi(OUTCOMES, "a higher Health Index score is better health (ONS)"),
    "health_index_healthy_people": _hi(
        OUTCOMES, "a higher Healthy People score is better health outcomes (ONS)"
    ),
    "health_index_healthy_lives": _hi(
        IMPROVEMENT, "a higher Healthy Lives score is healthier behaviours and risks (ONS)"
    ),
    "health_index_healthy_places": _hi(
        WIDER, "a higher Healthy Places score is healthier surroundings (ONS)"
    ),
    "ae_attendances_over_4h_pct": _lo(
        HEALTHCARE, "fewer A&E attendances over 4 hours is better (NHS standard: 4 hours)"
    ),
    "ae_admissions_over_4h_pct": _lo(
        HEALTHCARE, "fewer waits over 4 hours from decision to admit is better"
    ),
    "census_ethnic_group_share": _none(
        WIDER, "the ethnic make-up of an area is context and a weight, not an outcome"
    ),
    "temporary_accommodation_per_1000": _lo(
        WIDER, "fewer households in temporary accommodation is better"
    ),
    # --- Census 2021 topic tables by LSOA and district ---------------------------------
    "census_ethnic_group_share_5": _none(
        WIDER, "the ethnic make-up of an area is context and a weight, not an outcome"
    ),
    "census_disabled_pct": _none(
        OUTCOMES,
        "disability is a need to plan for, and its prevalence rises with the age of the "
        "population (the census share is not age-standardised)",
    ),
    "census_households_deprived_pct": _lo(
        WIDER, "fewer households deprived in employment, education, health or housing is better"
    ),
    "census_household_deprivation": _none(
        WIDER, "a distribution across categories; census_households_deprived_pct is judged"
    ),
    "census_households_overcrowded_pct": _lo(
        WIDER, "less overcrowding is better (overcrowded homes harm physical and mental health)"
    ),
    "census_occupancy_rating": _none(
        WIDER, "a distribution across categories; census_households_overcrowded_pct is judged"
    ),
    "census_sexual_orientation_share": _none(
        WIDER, "the make-up of an area is context and a weight, not an outcome"
    ),
    # --- NHS Talking Therapies by sub-ICB location -------------------------------------
    "tt_recovery_pct": _hi(
        HEALTHCARE, "more people recovering after treatment is better (NHS standard: 50%)"
    ),
    "tt_reliable_recovery_pct": _hi(
        HEALTHCARE, "more people reliably recovering after treatment is better"
    ),
    "tt_reliable_improvement_pct": _hi(
        HEALTHCARE, "more people reliably improving after treatment is better"
    ),
    "tt_deterioration_pct": _lo(
        HEALTHCARE, "fewer people reliably deteriorating during treatment is better"
    ),
    "tt_waited_6_weeks_pct": _hi(
        HEALTHCARE, "more people starting treatment within 6 weeks is better (standard: 75%)"
    ),
    "tt_waited_18_weeks_pct": _hi(
        HEALTHCARE, "more people starting treatment within 18 weeks is better (standard: 95%)"
    ),
    "tt_referrals_received": _none(
        HEALTHCARE, "a count of referrals reflects both need and awareness of the service"
    ),
    "tt_accessing_services": _none(
        HEALTHCARE, "a count of people entering treatment; without prevalence it is not a rate"
    ),
    "tt_finished_course": _none(
        HEALTHCARE, "a count of people finishing a course of treatment, context for outcomes"
    ),
    "tt_ended_referrals": _none(
        HEALTHCARE, "a count of referrals ended for any reason, context for outcomes"
    ),
}


@dataclass(frozen=True)
class UnitOverride:
    """A unit the publisher's data file labels wrongly, with the evidence."""

    file_unit: str
    unit: str
    reason: str


UNIT_OVERRIDES: dict[str, UnitOverride] = {
    "els_housing_affordability_ratio_residence_based": UnitOverride(
        "%",
        "ratio",
        "The CSV labels the unit '%', but its JSON metadata describes the 'ratio of median "
        "house price to median gross annual residence-based earnings' (values around 8).",
    ),
}


def review(indicator_id: str) -> Review | None:
    """The reviewed entry for ``indicator_id``, or ``None`` when there is none."""
    return REVIEWED.get(indicator_id)
