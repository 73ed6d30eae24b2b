"""The accountability loop of the health duty: the decisions register
(:mod:`~healthgap.decisions.register`), scrutiny questions on the record
(:mod:`~healthgap.decisions.scrutiny`), the annual cycle (:mod:`~healthgap.decisions.cycle`)
and the report's look back at last year (:mod:`~healthgap.decisions.review`)."""
