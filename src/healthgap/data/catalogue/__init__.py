"""The catalogue of open datasets healthgap uses, with provenance for each.

One :class:`Dataset` per file of the offline mirror (described, file by file, in the
mirror's ``SOURCES.md``): publisher, title, period, licence and attribution, geography,
the official address, the file's name in the mirror, its SHA-256 checksum, its number
of records, the parser that turns it into a tidy canonical table, and caveats.

Addresses are only those that ``SOURCES.md`` gives, or the publisher's own repository
that it names; where none is known, ``url`` is ``None`` and ``url_note`` says why.
``download_url`` is set only where an address serves exactly the mirror's bytes (so a
download can be verified against ``sha256``); the other mirror files are reshaped copies
of the publishers' files and come from a healthgap mirror (``healthgap data fetch
--mirror``).

The entries are grouped by publisher in the modules of this package (:mod:`.ons`,
:mod:`.census`, :mod:`.mhclg`, :mod:`.ohid`, :mod:`.els`, :mod:`.nhs`, :mod:`.geography`,
:mod:`.reference`); :mod:`.dataset` holds the :class:`Dataset` type and
:mod:`.registry` the catalogue in load order with :func:`get`, :func:`select` and
:func:`to_frame`.

Examples
--------
>>> from healthgap.data import catalogue
>>> ds = catalogue.get("ons_hle_local_areas")
>>> ds.publisher, ds.licence, ds.rows
('Office for National Statistics (ONS)', 'OGL v3.0', 5814)
"""

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    EUROSTAT,
    MHCLG,
    MIT,
    NHSE,
    OGL,
    OGL_ATTRIBUTION,
    OGL_URL,
    OHID,
    ONS,
    PUBLISHER_ADDRESSES,
)
from healthgap.data.catalogue.registry import CATALOGUE, NOT_LOADED, get, select, to_frame

__all__ = [
    "CATALOGUE",
    "EUROSTAT",
    "MHCLG",
    "MIT",
    "NHSE",
    "NOT_LOADED",
    "OGL",
    "OGL_ATTRIBUTION",
    "OGL_URL",
    "OHID",
    "ONS",
    "PUBLISHER_ADDRESSES",
    "Dataset",
    "get",
    "select",
    "to_frame",
]
