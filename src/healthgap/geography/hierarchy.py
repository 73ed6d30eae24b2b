"""England's area hierarchy, built from the ONS lookups in the store.

::

    LSOA -> local authority district (LAD) -> upper-tier authority (UTLA)
         -> strategic authority -> region -> England
    LSOA -> sub-ICB location -> integrated care board (ICB)

Vintages are explicit. LAD, UTLA, strategic authority and region columns use **2024 LAD
codes** (``lad24_region24``; the April 2023 UTLA and December 2023 combined-authority
lookups are keyed on LAD 2023 codes, which are the LAD 2024 codes in England). LSOAs
come in two vintages:

* ``lsoa_vintage=2021``: LSOA 2021 -> LAD 2024 (best fit) and ICB April 2024;
* ``lsoa_vintage=2011``: LSOA 2011 -> LAD 2021, recoded to LAD 2024 through the LAD code
  history, and ICB July 2022.

Older LAD codes (2016 to 2023) are recoded with :func:`recode_lad`.

**Strategic authorities.** Membership is dated (:mod:`healthgap.geography.authorities`):
the ONS LAD to combined authority lookups of December 2023, May 2024 and May 2025 are all
held, and :func:`strategic_authorities` answers for a date (``on=``, default today, i.e.
the May 2025 lookup: 15 combined authorities). The Greater London Authority is added as
the London region's 33 boroughs under its own code ``E61000001`` (the London region code
``E12000007`` is accepted as an alias where an authority code is read).

The ICB is a separate branch: a few LADs are split between ICBs, so LAD figures can only
be added up to ICBs for the LADs that lie wholly within one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.data.published import remembered
from healthgap.data.store import Store
from healthgap.data.store import using as using
from healthgap.errors import InputError
from healthgap.geography.authorities import GLA_CODE as GLA_CODE
from healthgap.geography.authorities import GLA_NAME as GLA_NAME
from healthgap.geography.authorities import LONDON_REGION as LONDON_REGION
from healthgap.geography.authorities import membership_date, memberships
from healthgap.stats._frames import InputFrame

LsoaVintage = Literal[2011, 2021]
ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
LAD_YEARS = tuple(range(2016, 2025))

#: The levels of the hierarchy, lowest first, then the NHS branch.
LEVELS: tuple[str, ...] = (
    "lsoa",
    "lad",
    "utla",
    "strategic_authority",
    "region",
    "england",
    "sub_icb",
    "icb",
)


def _table(store: Store, name: str) -> pd.DataFrame:
    return store.to_pandas(store.table(name))


def recode_lad(
    codes: Any,
    from_year: int,
    to_year: int = 2024,
    *,
    store: Store | str | None = None,
) -> np.ndarray:
    """Map LAD codes of ``from_year`` to the codes of ``to_year`` (2016 to 2024).

    Uses the ONS LAD code history (``lookup_lad_code_history_2016_2024``). Mergers map
    many old codes to one new code. Codes that are not LAD codes of ``from_year``, and
    codes that would map to more than one new code (Fife and Perth and Kinross, 2016-17),
    raise :class:`~healthgap.errors.InputError`.

    Examples
    --------
    >>> recode_lad(["E07000004"], 2019)  # Aylesbury Vale -> Buckinghamshire  # doctest: +SKIP
    array(['E06000060'], dtype=object)
    """
    for name, year in (("from_year", from_year), ("to_year", to_year)):
        if year not in LAD_YEARS:
            raise InputError(
                f"{name} must be a year from 2016 to 2024; got {year!r}. "
                "The LAD code history covers 2016 to 2024."
            )
    if to_year < from_year:
        raise InputError(
            f"to_year must not be before from_year; got {to_year} < {from_year}. "
            "Codes can only be carried forward (mergers do not split back)."
        )
    values = pd.Series(np.asarray(codes, dtype=object))
    with using(store) as s:
        history = _table(s, "lookup_lad_code_history_2016_2024")
    old, new = f"lad{from_year % 100}_code", f"lad{to_year % 100}_code"
    pairs = history[[old, new]].drop_duplicates()
    counts = pairs.groupby(old)[new].nunique()
    mapping = pairs.drop_duplicates(old).set_index(old)[new]
    unknown = ~values.isin(mapping.index)
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"LAD codes must be {from_year} LAD codes; got {int(unknown.sum())} that are not "
            f"(first: {values.iloc[first]!r} at position {first + 1}). Check the year the "
            "codes belong to (from_year)."
        )
    split = values.isin(counts[counts > 1].index)
    if split.any():
        first = values[split].iloc[0]
        raise InputError(
            f"LAD codes must map to one {to_year} code each; got {first!r}, which maps to "
            f"{int(counts[first])} (a boundary change). Aggregate from LSOA data instead."
        )
    return values.map(mapping).to_numpy(dtype=object)


def strategic_authorities(
    store: Store | str | None = None,
    *,
    strategic: Any = None,
    on: Any = None,
) -> pd.DataFrame:
    """Which strategic authority each English LAD (2024 code) belongs to on a date.

    Columns: ``lad_code``, ``strategic_authority_code``, ``strategic_authority_name``,
    ``source`` (``ons_lookup_<vintage>`` such as ``ons_lookup_2025-05``, ``gla`` or
    ``user``). LADs in no authority are absent.

    Parameters
    ----------
    store
        An open :class:`~healthgap.data.store.Store`, a store path, or ``None`` (default).
    strategic
        Your own lookup for authorities not in the open data (e.g. the 2024-25 mayoral
        strategic authorities): a data frame, or a CSV path, with columns ``lad_code``,
        ``strategic_authority_code`` and ``strategic_authority_name``. Its rows replace
        the open lookup's for the LADs it lists.
    on
        The date (``datetime.date`` or ``"YYYY-MM-DD"``) membership is wanted for;
        default today (the latest lookup). See :mod:`healthgap.geography.authorities`.

    Examples
    --------
    >>> north_east = pd.DataFrame({  # doctest: +SKIP
    ...     "lad_code": ["E06000047", "E06000057", "E08000021", "E08000022",
    ...                  "E08000023", "E08000024", "E08000037"],
    ...     "strategic_authority_code": "E47000014",
    ...     "strategic_authority_name": "North East"})
    >>> strategic_authorities(strategic=north_east)  # doctest: +SKIP
    """
    with using(store) as s:
        dated = memberships(s, on=on)
        regions = _table(s, "lookup_lad24_region24_en")
    table = dated[["lad_code", "strategic_authority_code", "strategic_authority_name", "source"]]
    if strategic is not None:
        user = _user_lookup(strategic, set(regions["lad24_code"]))
        table = pd.concat(
            [table[~table["lad_code"].isin(user["lad_code"])], user], ignore_index=True
        )
    return table.sort_values(["strategic_authority_code", "lad_code"], ignore_index=True)


_USER_COLUMNS = ["lad_code", "strategic_authority_code", "strategic_authority_name"]


def _user_lookup(strategic: Any, known: set[str]) -> pd.DataFrame:
    if isinstance(strategic, str | os.PathLike):
        path = Path(strategic)
        if not path.is_file():
            raise InputError(
                f"the strategic authority lookup must be a CSV file; got {str(path)!r} "
                "(no such file). Check the path."
            )
        strategic = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    frame = InputFrame.of(strategic, name="the strategic authority lookup")
    frame.require(_USER_COLUMNS)
    df = frame.df[_USER_COLUMNS].astype(str)
    empty = frame.df[_USER_COLUMNS].isna().any(axis=1).to_numpy()
    if empty.any():
        first = int(np.flatnonzero(empty)[0])
        raise InputError(
            f"the strategic authority lookup must have every cell filled; got "
            f"{int(empty.sum())} rows with gaps (first: {frame.describe_row(first)}). "
            "Fill in the code and name of each authority."
        )
    unknown = ~df["lad_code"].isin(known)
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"lad_code in the strategic authority lookup must be an English LAD 2024 code; "
            f"got {int(unknown.sum())} that are not (first: {df['lad_code'].iloc[first]!r} "
            f"at {frame.describe_row(first)}). Recode older codes with recode_lad()."
        )
    dup = df.duplicated("lad_code", keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"each LAD must belong to one strategic authority; got {df['lad_code'].iloc[first]!r} "
            f"listed {int((df['lad_code'] == df['lad_code'].iloc[first]).sum())} times. "
            "Keep one row per LAD."
        )
    return df.assign(source="user")


def lad_lookup(
    store: Store | str | None = None, *, strategic: Any = None, on: Any = None
) -> pd.DataFrame:
    """One row per English LAD (2024 codes) with every level above it.

    Columns: ``lad_code``/``lad_name``, ``utla_code``/``utla_name``,
    ``strategic_authority_code``/``strategic_authority_name`` (missing where the LAD is
    in none), ``region_code``/``region_name``, ``england_code``/``england_name``.
    """
    if strategic is None and isinstance(store, Store):
        day = membership_date(on)
        return remembered(
            store, ("lad_lookup", day), lambda: _lad_lookup(store, strategic=None, on=day)
        )
    return _lad_lookup(store, strategic=strategic, on=on)


def _lad_lookup(store: Store | str | None, *, strategic: Any, on: Any) -> pd.DataFrame:
    with using(store) as s:
        regions = _table(s, "lookup_lad24_region24_en")
        utla = _table(s, "lookup_lad23_utla23_ew")
        sa = strategic_authorities(s, strategic=strategic, on=on)
    out = pd.DataFrame(
        {
            "lad_code": regions["lad24_code"],
            "lad_name": regions["lad24_name"],
            "region_code": regions["region24_code"],
            "region_name": regions["region24_name"],
        }
    )
    out = out.merge(
        utla.rename(
            columns={
                "lad23_code": "lad_code",
                "utla23_code": "utla_code",
                "utla23_name": "utla_name",
            }
        )[["lad_code", "utla_code", "utla_name"]],
        on="lad_code",
        how="left",
        validate="one_to_one",
    )
    out = out.merge(sa.drop(columns="source"), on="lad_code", how="left", validate="one_to_one")
    out["england_code"] = ENGLAND_CODE
    out["england_name"] = ENGLAND_NAME
    columns = [f"{lvl}_{p}" for lvl in LEVELS[1:6] for p in ("code", "name")]
    return out[columns].sort_values("lad_code", ignore_index=True)


def lsoa_lookup(
    store: Store | str | None = None,
    *,
    lsoa_vintage: LsoaVintage = 2021,
    strategic: Any = None,
    on: Any = None,
) -> pd.DataFrame:
    """One row per English LSOA of ``lsoa_vintage`` with every level above it.

    Columns: ``lsoa_code``/``lsoa_name``, then the :func:`lad_lookup` columns (LAD 2024
    codes), then ``sub_icb_code``/``sub_icb_name`` and ``icb_code``/``icb_name`` (April
    2024 codes for both vintages; see :func:`_bridge_2011_to_icb24`).

    ``on`` is the date strategic-authority membership is taken for (default today).
    """
    if lsoa_vintage not in (2011, 2021):
        raise InputError(
            f"lsoa_vintage must be 2011 or 2021; got {lsoa_vintage!r}. "
            "IMD 2019 uses 2011 LSOAs, IMD 2025 and Census 2021 use 2021 LSOAs."
        )
    if strategic is None and isinstance(store, Store):
        day = membership_date(on)
        return remembered(
            store,
            ("lsoa_lookup", lsoa_vintage, day),
            lambda: _lsoa_lookup(store, lsoa_vintage, None, day),
        )
    return _lsoa_lookup(store, lsoa_vintage, strategic, on)


def _bridge_2011_to_icb24(s: Store) -> pd.DataFrame:
    """LSOA 2011 -> sub-ICB and ICB (April 2024), through the ONS LSOA 2011 to 2021 lookup.

    Each 2011 LSOA takes the sub-ICB of its 2021 successor(s); where a 2011 LSOA was split
    (change code S), the sub-ICB of most of its pieces (two 2011 LSOAs are split between
    sub-ICBs; none between ICBs). This replaces the July 2022 ICB lookup, so both LSOA
    vintages give the current ICB codes: Surrey Heartlands and Sussex were recoded in April
    2024 (E54000052 -> E54000063, E54000053 -> E54000064, with 4 LSOAs moving between them).
    """
    bridge = _table(s, "lookup_lsoa11_lsoa21_lad22_ew")[["lsoa11_code", "lsoa21_code"]]
    nhs21 = _table(s, "lookup_lsoa21_sicbl24_icb24_en")
    pieces = bridge.merge(nhs21, on="lsoa21_code", how="inner")
    counts: pd.DataFrame = (
        pieces.groupby(["lsoa11_code", "sicbl24_code", "icb24_code"])
        .size()
        .rename("n")
        .reset_index()
    )
    counts = counts.sort_values(["lsoa11_code", "n", "sicbl24_code"], ascending=[True, False, True])
    return counts.drop_duplicates("lsoa11_code")[["lsoa11_code", "sicbl24_code", "icb24_code"]]


def _lsoa_lookup(
    store: Store | str | None, lsoa_vintage: LsoaVintage, strategic: Any, on: Any
) -> pd.DataFrame:
    with using(store) as s:
        if lsoa_vintage == 2021:
            base = _table(s, "lookup_lsoa21_ward24_lad24_ew")
            lsoa = pd.DataFrame(
                {
                    "lsoa_code": base["lsoa21_code"],
                    "lsoa_name": base["lsoa21_name"],
                    "lad_code": base["lad24_code"],
                }
            )
            nhs = _table(s, "lookup_lsoa21_sicbl24_icb24_en")
            names = _table(s, "lookup_sicbl24_icb24_names_en")
            yy = "24"
        else:
            base = _table(s, "lookup_lsoa11_lad21_ew")
            lsoa = pd.DataFrame(
                {
                    "lsoa_code": base["lsoa11_code"],
                    "lsoa_name": base["lsoa11_name"],
                    "lad21_code": base["lad21_code"],
                }
            )
            lsoa = lsoa[lsoa["lad21_code"].str.startswith("E")]
            lsoa["lad_code"] = recode_lad(lsoa["lad21_code"], 2021, 2024, store=s)
            lsoa = lsoa.drop(columns="lad21_code")
            nhs = _bridge_2011_to_icb24(s)
            names = _table(s, "lookup_sicbl24_icb24_names_en")
            yy = "24"
        lads = lad_lookup(s, strategic=strategic, on=on)
    code = f"lsoa{'21' if lsoa_vintage == 2021 else '11'}_code"
    nhs = nhs.merge(
        names[[f"sicbl{yy}_code", f"sicbl{yy}_name", f"icb{yy}_name"]],
        on=f"sicbl{yy}_code",
        how="left",
        validate="many_to_one",
    ).rename(
        columns={
            code: "lsoa_code",
            f"sicbl{yy}_code": "sub_icb_code",
            f"sicbl{yy}_name": "sub_icb_name",
            f"icb{yy}_code": "icb_code",
            f"icb{yy}_name": "icb_name",
        }
    )
    out = lsoa.merge(lads, on="lad_code", how="inner", validate="many_to_one").drop(
        columns="lad_name"
    )
    out = out.merge(lads[["lad_code", "lad_name"]], on="lad_code", how="left")
    out = out.merge(
        nhs[["lsoa_code", "sub_icb_code", "sub_icb_name", "icb_code", "icb_name"]],
        on="lsoa_code",
        how="left",
        validate="one_to_one",
    )
    columns = [f"{lvl}_{p}" for lvl in LEVELS for p in ("code", "name")]
    return out[columns].sort_values("lsoa_code", ignore_index=True)
