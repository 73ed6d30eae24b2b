"""Reference tables: the European Standard Population 2013 (Eurostat)."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import EUROSTAT
from healthgap.data.sources import standards

#: reference/: the European Standard Population 2013.
STANDARD_POPULATIONS: tuple[Dataset, ...] = (
    *(
        Dataset(
            id=f"esp2013_{bands}",
            title=f"2013 European Standard Population, {bands} age bands",
            publisher="Eurostat",
            period="2013",
            licence=EUROSTAT,
            attribution=(
                "Source: Eurostat (2013), Revision of the European Standard Population: "
                "report of Eurostat's task force."
            ),
            geography="Standard population (not an area)",
            file=f"reference/esp2013_{bands}_age_bands.csv",
            sha256=sha,
            rows=bands,
            table="standard_populations",
            parser=standards.esp2013,
            url=None,
            url_note="A published constant; SOURCES.md gives no download address.",
            provenance="Checked identical in phstatsmethods 0.1.16 and PHEindicatormethods tests",
            caveats=note,
        )
        for bands, sha, note in (
            (
                19,
                "7ad20ffd6c6d1e93d1fabfa125b13e5e4845ea9be2cd7265479f9f1a22e214c5",
                ("Bands 0-4, 5-9, ..., 85-89, 90+; weights total 100,000.",),
            ),
            (
                20,
                "5df320552c335c394c5ccdb472ff3c4c6148515478656ab3c1f44a8ee14f9cc8",
                ("As the 19-band version with 0-4 split into under 1 and 1-4.",),
            ),
        )
    ),
)
