"""healthgap.account — accountability: the mission tracker, targets, frameworks and scorecards.

Modules: :mod:`~healthgap.account.mission` (the healthy-life-expectancy gap between
regions against the government's mission), :mod:`~healthgap.account.targets` (any indicator
against a target, England and its own SPC chart), :mod:`~healthgap.account.trajectory`
(straight-line and custom trajectories; projections from trend with uncertainty),
:mod:`~healthgap.account.status` (plain-English statuses that only say "on track" or
"off track" when the statistics support it), and the outcomes frameworks and scorecards
(:mod:`~healthgap.account.frameworks` and its neighbours).
"""
