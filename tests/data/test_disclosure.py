"""Disclosure control: hand-checked tables, the rounding rule, properties and errors.

Expected tables are worked out by hand from the rules in METHODS.md section 16 and the
module docstring (comments give the reasoning); the Hypothesis properties check the
output with plain Python written here, not with the library's own line logic.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.data.disclosure import (
    DisclosureError,
    DisclosurePolicy,
    apply_disclosure,
    assert_not_disclosive,
    find_disclosive_cells,
)
from healthgap.errors import InputError

EXACT = DisclosurePolicy(round_to=None)  # 1-7 withheld, no rounding: values stay checkable


def withheld(out: pd.DataFrame, column: str = "count") -> list[bool]:
    return out[column].isna().tolist()


# ----------------------------------------------------------------------------- the policy


def test_default_policy_is_the_nhs_digital_rule() -> None:
    p = DisclosurePolicy()
    assert (p.threshold, p.suppress_zero, p.round_to, p.rounding) == (7, False, 5, "half_up")
    counts = np.array([0, 1, 7, 8, 9, 12, 13, 17, 18, 22, 23, 1000, 1002, 1003, np.nan])
    assert p.is_small(counts).tolist() == [False, True, True] + [False] * 12
    out = apply_disclosure(pd.DataFrame({"count": counts}), p).to_frame()
    # 0 stays 0; 1-7 withheld; others to the nearest 5 (8 -> 10, 12 -> 10, 13 -> 15, ...)
    expected = [0, None, None, 10, 10, 10, 15, 15, 20, 20, 25, 1000, 1000, 1005, None]
    assert out["count"].tolist() == pytest.approx(
        [np.nan if e is None else e for e in expected], nan_ok=True
    )


def test_zero_can_be_withheld_too() -> None:
    p = DisclosurePolicy(threshold=7, suppress_zero=True, round_to=None)
    assert p.is_small(np.array([0.0, 7.0, 8.0])).tolist() == [True, True, False]
    assert p.small_range == "0 to 7"
    only_zero = DisclosurePolicy(threshold=0, suppress_zero=True, round_to=None)
    assert only_zero.is_small(np.array([0.0, 1.0])).tolist() == [True, False]


@pytest.mark.parametrize(
    ("rounding", "base", "counts", "expected"),
    [
        # halfway cases by hand: 15/10 = 1.5, 25/10 = 2.5, 5/10 = 0.5, 45/10 = 4.5
        ("half_up", 10, [14, 15, 16, 25, 5, 45], [10, 20, 20, 30, 10, 50]),
        ("half_even", 10, [14, 15, 16, 25, 5, 45], [10, 20, 20, 20, 0, 40]),
        ("half_up", 5, [8, 12, 13, 17, 1003], [10, 10, 15, 15, 1005]),
        ("half_up", 3, [4, 5, 6, 7], [3, 6, 6, 6]),
        ("half_up", 1, [4, 5], [4, 5]),
    ],
)
def test_rounding_rule(rounding: str, base: int, counts: list[int], expected: list[int]) -> None:
    p = DisclosurePolicy(round_to=base, rounding=rounding)  # type: ignore[arg-type]
    assert p.round(np.array(counts, dtype=float)).tolist() == expected


def test_describe_states_the_rule() -> None:
    assert DisclosurePolicy(threshold=5, suppress_zero=True, round_to=10,
                            rounding="half_even").describe() == (
        "counts 0 to 5 withheld; other counts rounded to the nearest 10 (halves to even); "
        "secondary suppression on"
    )  # fmt: skip
    assert EXACT.describe() == "counts 1 to 7 withheld (0 published); secondary suppression on"


# ----------------------------------------------------------------------------- one line


def sex_table(male: float, female: float, persons: float) -> pd.DataFrame:
    return pd.DataFrame({"sex": ["Male", "Female", "Persons"], "count": [male, female, persons]})


def test_secondary_takes_the_smallest_other_cell() -> None:
    # Male 3 is small; Persons - Female would give it back, so Female (the only other
    # cell of the line) is withheld; Persons 43 is published and rounded to 45.
    result = apply_disclosure(sex_table(3, 40, 43), margins={"sex": "Persons"})
    out = result.to_frame()
    assert withheld(out) == [True, True, False]
    assert out["count"].tolist()[2] == 45
    assert result.record[["row", "sex", "column", "action"]].values.tolist() == [
        [1, "Male", "count", "primary"],
        [2, "Female", "count", "secondary"],
    ]
    assert result.record["reason"].tolist() == [
        "count is 1 to 7",
        "stops a withheld cell being found from the sex total 'Persons'",
    ]
    assert (result.n_primary, result.n_secondary, result.n_derived) == (1, 1, 0)


def test_two_small_cells_protect_each_other_unless_their_sum_is_small() -> None:
    t = pd.DataFrame({"sex": ["Male", "Female", "Unknown", "Persons"], "count": [3, 4, 100, 107]})
    # 3 and 4 are both withheld; Persons minus Unknown reveals their sum, 7, which is small:
    # protect_sums withholds the next smallest cell, Unknown (100).
    out = apply_disclosure(t, EXACT, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, True, True, False]
    loose = DisclosurePolicy(round_to=None, protect_sums=False)
    out = apply_disclosure(t, loose, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, True, False, False]


def test_small_total_is_withheld_and_needs_a_partner() -> None:
    # Persons 5 is small; Male 2 and Female 3 are small: all three withheld, and a line
    # with every cell withheld needs nothing more.
    out = apply_disclosure(sex_table(2, 3, 5), EXACT, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, True, True]
    # Female 6 and Persons 6 are both small and both withheld: the line has two withheld
    # cells (a reader learns only that they are equal), so Male 0 stays published.
    out = apply_disclosure(sex_table(0, 6, 6), EXACT, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [False, True, True]
    # A withheld total with every cell published would be their sum: a cell goes too.
    out = apply_disclosure(sex_table(20, 30, np.nan), EXACT, margins={"sex": "Persons"})
    assert withheld(out.to_frame()) == [True, False, True]


def test_counts_that_round_into_the_small_range_are_withheld() -> None:
    # zeros withheld and rounding to 5: 2 would be published as 0, so it is withheld
    p = DisclosurePolicy(threshold=1, suppress_zero=True, round_to=5)
    result = apply_disclosure(pd.DataFrame({"count": [2, 3, 0, 1]}), p)
    assert result.to_frame()["count"].tolist() == pytest.approx([np.nan, 5, np.nan, np.nan],
                                                               nan_ok=True)  # fmt: skip
    assert result.record["reason"].tolist() == [
        "count rounds to a withheld value (0 to 1)",
        "count is 0 to 1",
        "count is 0 to 1",
    ]


def test_zero_as_primary_when_asked() -> None:
    # suppress_zero: Male 0 is withheld, then Female 20; their sum 20 is not small.
    p = DisclosurePolicy(round_to=None, suppress_zero=True)
    out = apply_disclosure(sex_table(0, 20, 20), p, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, True, False]
    # by default 0 is published and needs no partner
    out = apply_disclosure(sex_table(0, 20, 20), EXACT, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [False, False, False]


def test_zeros_are_the_last_choice_for_a_partner() -> None:
    t = pd.DataFrame({"sex": ["a", "b", "c", "Persons"], "count": [3, 0, 50, 53]})
    # a 0 partner would leave 3 + 0 = 3 recoverable as a sum: 50 is taken instead
    out = apply_disclosure(t, EXACT, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, False, True, False]


def test_missing_counts_count_as_withheld() -> None:
    t = sex_table(np.nan, 40, 50)
    result = apply_disclosure(t, EXACT, margins={"sex": "Persons"})
    assert withheld(result.to_frame()) == [True, True, False]
    assert result.record["action"].tolist() == ["secondary"]


def test_secondary_off_keeps_only_primary() -> None:
    p = DisclosurePolicy(round_to=None, secondary=False)
    out = apply_disclosure(sex_table(3, 40, 43), p, margins={"sex": "Persons"}).to_frame()
    assert withheld(out) == [True, False, False]


# ----------------------------------------------------------------------------- two dimensions


def two_way() -> pd.DataFrame:
    """Ages x sexes with both margins; the inner cells are given, the margins are sums."""
    inner = {"0-17": (3, 40), "18-64": (50, 60), "65+": (12, 9)}
    rows = []
    for age, (m, f) in inner.items():
        rows += [(age, "Male", m), (age, "Female", f), (age, "Persons", m + f)]
    tm, tf = (sum(v[i] for v in inner.values()) for i in (0, 1))
    rows += [("All ages", "Male", tm), ("All ages", "Female", tf), ("All ages", "Persons", tm + tf)]
    df = pd.DataFrame(rows, columns=["age", "sex", "count"])
    df["rate"] = df["count"] / 1000
    return df


def test_two_way_table_by_hand() -> None:
    # Pass 1: (0-17, Male) = 3 is small. Row 0-17 takes its smallest other cell, Female
    # 40; column Male takes its smallest, (65+, Male) = 12.
    # Pass 2: row 65+ and column Female each have one withheld cell; (65+, Female) = 9
    # sits in both, so both take it. Every line now has 0 or 2 withheld cells and the
    # withheld sums (43, 15, 21, 49) are not small.
    margins = {"sex": "Persons", "age": "All ages"}
    result = apply_disclosure(two_way(), EXACT, derived_columns=["rate"], margins=margins)
    out = result.to_frame()
    gone = set(map(tuple, out.loc[out["count"].isna(), ["age", "sex"]].values.tolist()))
    assert gone == {("0-17", "Male"), ("0-17", "Female"), ("65+", "Male"), ("65+", "Female")}
    assert out["rate"].isna().tolist() == out["count"].isna().tolist()
    kept = out["count"].notna()
    assert out.loc[kept, "count"].tolist() == two_way().loc[kept, "count"].tolist()
    assert (result.n_primary, result.n_secondary, result.n_derived) == (1, 3, 4)
    assert list(result.record.columns) == ["row", "sex", "age", "column", "action", "reason"]
    assert find_disclosive_cells(out, EXACT, margins=margins).empty


def test_wide_table_with_a_total_column() -> None:
    # The same cells laid out wide: 'persons' adds up 'male' and 'female' in each row,
    # and 'All ages' adds up the ages. (0-17, male) = 3 -> row partner female 40, column
    # partner (18+, male) = 50; then (18+, female) = 60 closes both open lines.
    t = pd.DataFrame(
        {
            "age": ["0-17", "18+", "All ages"],
            "male": [3, 50, 53],
            "female": [40, 60, 100],
            "persons": [43, 110, 153],
        }
    )
    for c in ("male", "female", "persons"):
        t[f"rate_{c}"] = t[c] / 10
    result = apply_disclosure(
        t,
        EXACT,
        count_columns=["male", "female", "persons"],
        total_column="persons",
        margins={"age": "All ages"},
        derived_columns={f"rate_{c}": c for c in ("male", "female", "persons")},
    )
    out = result.to_frame()
    assert out["male"].isna().tolist() == [True, True, False]
    assert out["female"].isna().tolist() == [True, True, False]
    assert out["persons"].tolist() == [43, 110, 153]
    assert out["rate_male"].isna().tolist() == [True, True, False]
    assert out["rate_persons"].tolist() == [4.3, 11.0, 15.3]
    reasons = set(result.record.loc[result.record["action"] == "secondary", "reason"])
    assert reasons <= {
        "stops a withheld cell being found from the row total column 'persons'",
        "stops a withheld cell being found from the age total 'All ages'",
    }


def test_area_hierarchy() -> None:
    # North East = Hartlepool + Middlesbrough; England = North East + North West.
    # Hartlepool 5 is small -> Middlesbrough (30) goes with it; the England line has no
    # withheld cell, so the region total stays published.
    t = pd.DataFrame(
        {
            "area": ["E06000001", "E06000002", "E12000001", "E12000002", "E92000001"],
            "count": [5, 30, 35, 100, 135],
        }
    )
    margins = {"area": {"E12000001": ["E06000001", "E06000002"],
                        "E92000001": ["E12000001", "E12000002"]}}  # fmt: skip
    out = apply_disclosure(t, EXACT, margins=margins).to_frame()
    assert withheld(out) == [True, True, False, False, False]
    # With a small region total (2 + 3 = 5) the region is withheld, and the England
    # line then needs a partner for it: North West (100).
    t["count"] = [2, 3, 5, 100, 105]
    out = apply_disclosure(t, EXACT, margins=margins).to_frame()
    assert withheld(out) == [True, True, True, True, False]


def test_group_by_keeps_tables_apart() -> None:
    t = pd.concat(
        [sex_table(3, 40, 43).assign(area="X"), sex_table(30, 40, 70).assign(area="Y")],
        ignore_index=True,
    )
    out = apply_disclosure(t, EXACT, margins={"sex": "Persons"}, group_by="area").to_frame()
    assert withheld(out) == [True, True, False, False, False, False]


def test_without_margins_only_small_counts_go() -> None:
    t = pd.DataFrame({"count": [3, 40, 43], "denominator": [10, 100, 110], "value": [30, 40, 39]})
    result = apply_disclosure(t, EXACT, count_columns=["count", "denominator"],
                              derived_columns={"value": "count"})  # fmt: skip
    out = result.to_frame()
    assert withheld(out) == [True, False, False]
    assert withheld(out, "value") == [True, False, False]
    assert out["denominator"].tolist() == [10, 100, 110]


def test_polars_in_polars_out() -> None:
    t = pl.from_pandas(sex_table(3, 40, 43))
    result = apply_disclosure(t, margins={"sex": "Persons"})
    out = result.to_frame()
    assert isinstance(out, pl.DataFrame)
    assert out["count"].to_list() == [None, None, 45.0]
    assert isinstance(result.record, pd.DataFrame)
    found = find_disclosive_cells(out, margins={"sex": "Persons"})
    assert isinstance(found, pl.DataFrame) and found.height == 0


def test_result_object() -> None:
    result = apply_disclosure(sex_table(3, 40, 43), margins={"sex": "Persons"})
    assert "withheld: 1 primary, 1 secondary" in result.summary()
    assert "NHS Digital" in result.summary()
    assert "totals may not add up" in result.notes[0]
    assert repr(result) == "<DisclosureResult: 3 rows, 1 primary and 1 secondary suppressions>"
    assert result.to_pandas() is not result.table


# ----------------------------------------------------------------------------- properties


def round_half_up(x: int, base: int) -> int:
    return (2 * x + base) // (2 * base) * base


def lines_of(r: int, c: int) -> list[list[tuple[int, int]]]:
    """Lines of an (r+1) x (c+1) table whose last row and column are totals; the total
    cell of each line is listed last."""
    rows = [[(i, j) for j in range(c + 1)] for i in range(r + 1)]
    cols = [[(i, j) for i in range(r + 1)] for j in range(c + 1)]
    return rows + cols


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, DisclosurePolicy]:
    r = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    cell = st.one_of(st.integers(0, 9), st.integers(0, 60), st.integers(100, 400))
    inner = np.array(draw(st.lists(cell, min_size=r * c, max_size=r * c))).reshape(r, c)
    full = np.zeros((r + 1, c + 1), dtype=np.int64)
    full[:r, :c] = inner
    full[:r, c] = inner.sum(axis=1)
    full[r, :] = full[:r, :].sum(axis=0)
    policy = DisclosurePolicy(
        threshold=draw(st.integers(1, 10)),
        suppress_zero=draw(st.booleans()),
        round_to=draw(st.sampled_from([None, 5, 10])),
        protect_sums=draw(st.booleans()),
    )
    return full, policy


def long_frame(full: np.ndarray) -> pd.DataFrame:
    r, c = full.shape
    rows = [
        ("total" if i == r - 1 else f"r{i}", "total" if j == c - 1 else f"c{j}", full[i, j])
        for i in range(r)
        for j in range(c)
    ]
    return pd.DataFrame(rows, columns=["row_cat", "col_cat", "count"])


@settings(max_examples=100, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_protected_tables_leak_nothing(case: tuple[np.ndarray, DisclosurePolicy], rnd) -> None:  # type: ignore[no-untyped-def]
    full, policy = case
    df = long_frame(full)
    margins = {"row_cat": "total", "col_cat": "total"}
    out = apply_disclosure(df, policy, margins=margins).to_frame()
    shape = full.shape
    pub = out["count"].to_numpy().reshape(shape)
    gone = np.isnan(pub)

    def small(x: float) -> bool:
        return 0 < x <= policy.threshold or (policy.suppress_zero and x == 0)

    for (i, j), x in np.ndenumerate(full):
        if small(x):
            assert gone[i, j], "a small count was published"
        if not gone[i, j]:
            assert not small(pub[i, j]), "a published cell is in the small range"
            want = x if policy.round_to is None else round_half_up(int(x), policy.round_to)
            assert pub[i, j] == want
    for line in lines_of(shape[0] - 1, shape[1] - 1):
        hidden = [cell for cell in line if gone[cell]]
        # no withheld cell is the total minus (or the sum of) the published cells
        assert len(hidden) != 1, f"line {line} has a single withheld cell"
        total = line[-1]
        if policy.protect_sums and not gone[total] and hidden:
            assert not small(sum(full[cell] for cell in hidden)), "withheld cells sum small"
    if policy.round_to is None:
        assert find_disclosive_cells(out, policy, margins=margins).empty
    # the result does not depend on the order of the rows
    shuffled = df.sample(frac=1.0, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    again = apply_disclosure(shuffled, policy, margins=margins).to_frame()
    key = ["row_cat", "col_cat"]
    a = out.sort_values(key).reset_index(drop=True)
    b = again.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=30), st.integers(0, 10))
def test_single_column_property(counts: list[int], threshold: int) -> None:
    policy = (
        DisclosurePolicy(threshold=threshold, round_to=None)
        if threshold
        else DisclosurePolicy(threshold=0, round_to=5)
    )
    out = apply_disclosure(pd.DataFrame({"count": counts}), policy).to_frame()
    for x, y in zip(counts, out["count"], strict=True):
        if 0 < x <= threshold:
            assert math.isnan(y)
        elif policy.round_to:
            assert y == round_half_up(x, 5)
        else:
            assert y == x


# ----------------------------------------------------------------------------- the checker


def test_checker_reports_each_kind_of_leak() -> None:
    t = pd.DataFrame(
        {
            "area": ["A"] * 3 + ["B"] * 3 + ["C"] * 4,
            "sex": ["Male", "Female", "Persons"] * 2 + ["Male", "Female", "Other", "Persons"],
            "count": [3, 40, 43, None, 40, 45, "*", "[c]", 100, 107],
        }
    )
    found = find_disclosive_cells(
        t, DisclosurePolicy(), margins={"sex": "Persons"}, group_by="area"
    )
    assert found[["row", "area", "sex", "issue"]].values.tolist() == [
        [1, "A", "Male", "small count"],
        [1, "A", "Male", "not rounded"],
        [3, "A", "Persons", "not rounded"],
        [4, "B", "Male", "recoverable from total"],
        [10, "C", "Persons", "not rounded"],
        [10, "C", "Persons", "small sum of withheld cells"],
    ]


def test_checker_finds_count_like_columns() -> None:
    t = pd.DataFrame({"deaths": [3, 10], "population": [2, 4], "area_count": [1, 20]})
    found = find_disclosive_cells(t, EXACT)
    assert found[["row", "column"]].values.tolist() == [[1, "area_count"], [1, "deaths"]]
    with pytest.raises(InputError, match=r"count_columns must be given when no column has a "
                       r"count-like name; got columns \['population'\]"):  # fmt: skip
        find_disclosive_cells(t[["population"]], EXACT)


def test_assert_not_disclosive() -> None:
    t = sex_table(3, 40, 43)
    with pytest.raises(DisclosureError, match=r"table must not disclose small numbers; got 1 "
                       r"disclosive cell \(row 1, column 'count': small count\)"):  # fmt: skip
        assert_not_disclosive(t, EXACT)
    with pytest.raises(AssertionError, match=r"export\.csv must not disclose"):
        assert_not_disclosive(t, EXACT, margins={"sex": "Persons"}, what="export.csv")
    out = apply_disclosure(t, margins={"sex": "Persons"}).to_frame()
    assert_not_disclosive(out, margins={"sex": "Persons"})
    many = pd.DataFrame({"count": [1, 2, 3, 4, 5, 6, 7]})
    with pytest.raises(DisclosureError, match=r"got 7 disclosive cells .*; and 2 more\)"):
        assert_not_disclosive(many, EXACT)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": -1},
         r"threshold must be a whole number of 0 or more; got -1\. Use e\.g\. threshold=7\."),
        ({"threshold": 2.5}, r"threshold must be a whole number of 0 or more; got 2\.5"),
        ({"threshold": True}, r"threshold must be a whole number of 0 or more; got True"),
        ({"threshold": float("nan")}, r"threshold must be a whole number"),
        ({"round_to": 0},
         r"round_to must be a whole number of 1 or more; got 0\. Use e\.g\. round_to=5\."),
        ({"rounding": "up"}, r"rounding must be one of 'half_up', 'half_even'; got 'up'\."),
        ({"suppress_zero": "yes"}, r"suppress_zero must be True or False; got 'yes'\."),
        ({"protect_sums": 1}, r"protect_sums must be True or False; got 1\."),
        ({"threshold": 0, "round_to": None},
         r"a disclosure policy must withhold or round something"),
    ],
)  # fmt: skip
def test_policy_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        DisclosurePolicy(**kwargs)  # type: ignore[arg-type]


T = sex_table(3, 40, 43)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: apply_disclosure(T, policy={"threshold": 7}),  # type: ignore[arg-type]
         r"policy must be a DisclosurePolicy; got dict\. Use e\.g\. policy=DisclosurePolicy"),
        (lambda: apply_disclosure(T, count_columns=[]),
         r"count_columns must name at least one column; got an empty list"),
        (lambda: apply_disclosure(T, count_columns=["count", "count"]),
         r"count_columns must not repeat a column; got \['count', 'count'\]"),
        (lambda: apply_disclosure(T, count_columns=[1]),  # type: ignore[list-item]
         r"count_columns must be a column name or a list of column names; got \[1\]"),
        (lambda: apply_disclosure(T, count_columns="n"),
         r"count column 'n' must be in data; got columns \[sex, count\]"),
        (lambda: apply_disclosure(T.assign(count=["1", "x", "3"])),
         r"count column 'count' must hold numbers; got 1 row of text \(first: 'x' at row 2\)"),
        (lambda: apply_disclosure(T.assign(count=[1, -1, 0])),
         r"count column 'count' must be 0 or more; got 1 negative value \(first: -1 at row 2\)"),
        (lambda: apply_disclosure(T.assign(count=[1, np.inf, 0])),
         r"count column 'count' must hold finite numbers; got 1 infinite value"),
        (lambda: apply_disclosure(T, margins="sex"),  # type: ignore[arg-type]
         r"margins must map a column to its total category; got 'sex'"),
        (lambda: apply_disclosure(T, margins={"age": "All"}),
         r"margins column 'age' must be in data"),
        (lambda: apply_disclosure(T, margins={"sex": "All"}),
         r"margins total 'All' must be a value of column 'sex'; got values \['Male', "
         r"'Female', 'Persons'\]"),
        (lambda: apply_disclosure(T, margins={"sex": {"All": ["Male"]}}),
         r"margins total 'All' must be a value of column 'sex'"),
        (lambda: apply_disclosure(T, margins={"sex": {"Persons": "Male"}}),
         r"margins\['sex'\]\['Persons'\] must be a list of the categories it adds up; got 'Male'"),
        (lambda: apply_disclosure(T, margins={"count": 43}),
         r"count_columns must not also be key columns; got \['count'\] in both"),
        (lambda: apply_disclosure(T, margins={"sex": "Persons"}, group_by="sex"),
         r"group_by must not repeat a margins column; got \['sex'\] in both"),
        (lambda: apply_disclosure(T, total_column="male"),
         r"total_column must be one of count_columns; got 'male'"),
        (lambda: apply_disclosure(T, total_column="count"),
         r"total_column needs at least one other count column to add up; got only \['count'\]"),
        (lambda: apply_disclosure(pd.concat([T, T]), margins={"sex": "Persons"}),
         r"rows must be unique on \['sex'\]; got 6 rows that share their keys \(first: row 1 "
         r"\(sex Male\) and row 2 \(sex Female\)\)\. Add the columns that tell them apart"),
        (lambda: apply_disclosure(T, derived_columns={"rate": "deaths"}),
         r"derived_columns\['rate'\] must name count columns; got 'deaths'"),
        (lambda: apply_disclosure(T, derived_columns=["rate"]),
         r"derived column 'rate' must be in data"),
        (lambda: apply_disclosure(T, derived_columns=["count"]),
         r"derived_columns must not also be count columns; got \['count'\] in both"),
        (lambda: apply_disclosure([1, 2]),
         r"data must be a pandas or polars DataFrame"),
    ],
)  # fmt: skip
def test_apply_errors(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        call()


def test_duplicate_message_points_at_sharing_rows() -> None:
    t = pd.DataFrame({"sex": ["Male", "Male", "Persons"], "count": [3, 4, 7]})
    with pytest.raises(InputError, match=r"got 2 rows that share their keys \(first: row 1 "
                       r"\(sex Male\) and row 2 \(sex Male\)\)"):  # fmt: skip
        apply_disclosure(t, margins={"sex": "Persons"})


def test_every_line_pattern_of_a_small_table() -> None:
    # exhaustive: every 2 x 2 inner table with cells in {0, 3, 20} and both margins
    for cells in itertools.product([0, 3, 20], repeat=4):
        full = np.zeros((3, 3), dtype=np.int64)
        full[:2, :2] = np.array(cells).reshape(2, 2)
        full[:2, 2] = full[:2, :2].sum(axis=1)
        full[2, :] = full[:2, :].sum(axis=0)
        out = apply_disclosure(
            long_frame(full), EXACT, margins={"row_cat": "total", "col_cat": "total"}
        ).to_frame()
        gone = out["count"].isna().to_numpy().reshape(3, 3)
        for line in lines_of(2, 2):
            assert sum(gone[c] for c in line) != 1, (cells, line)


# ------------------------------------------------- values whose unit is a count (issue 17)
def test_values_of_count_indicators_are_protected_like_counts() -> None:
    """A value that is a count (by its unit, its value type, the indicator's unit, or by
    equalling its own count) is withheld at 1-7 and rounded to 5 otherwise, with its
    interval limits; values of rate indicators are left as they are."""
    from healthgap.data.disclosure import is_count_unit, protect_table

    table = pd.DataFrame(
        {
            "indicator_id": ["deaths", "deaths", "rate", "fingertips", "byunit"],
            "area_code": ["A", "B", "A", "A", "A"],
            "value": [4.0, 123.0, 4.0, 6.0, 12.0],
            "lower_95_0": [1.1, 102.0, 3.0, 2.2, 6.2],
            "upper_95_0": [10.2, 147.0, 5.0, 13.1, 21.0],
            "count": [np.nan, np.nan, 40.0, 6.0, np.nan],
            "unit": ["Count", "Count", "per 100,000", None, None],
        }
    )
    out = protect_table(table, indicator_units={"byunit": "number of admissions"})
    got = out.set_index(["indicator_id", "area_code"])
    # unit "Count": 4 withheld with its limits; 123 -> 125 and its limits rounded like counts
    assert got.loc[("deaths", "A"), ["value", "lower_95_0", "upper_95_0"]].isna().all()
    assert got.loc[("deaths", "B"), ["value", "lower_95_0", "upper_95_0"]].tolist() == [
        125.0,
        100.0,
        145.0,
    ]
    # a rate with a count of 40: the value stays; the count is rounded (40 stays 40)
    assert got.loc[("rate", "A"), ["value", "count"]].tolist() == [4.0, 40.0]
    # value == count (Fingertips count indicator) with a count of 6: all withheld
    assert got.loc[("fingertips", "A"), ["value", "count", "lower_95_0"]].isna().all()
    # the indicator's unit from metadata: 12 -> 10
    assert got.loc[("byunit", "A"), "value"] == 10.0
    # every row of a table whose values are counts
    plain = pd.DataFrame({"area": ["A", "B"], "value": [3.0, 8.0]})
    assert protect_table(plain)["value"].tolist() == [3.0, 8.0]
    assert protect_table(plain, value_is_count=True)["value"].tolist()[1] == 10.0
    assert np.isnan(protect_table(plain, value_is_count=True)["value"].tolist()[0])
    assert is_count_unit("Count") and is_count_unit(" Number of deaths ")
    assert not is_count_unit("Rate per 1000 people") and not is_count_unit("000 population")
