"""Inequality measures: slope and relative index (sii), WHO HEAT summary measures
(summary_measures) and gaps between areas (gap)."""
