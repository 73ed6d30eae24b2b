"""Standard populations: ESP2013 constants, user-supplied standards, matching by label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import healthgap
from healthgap.errors import InputError
from healthgap.stats.age_bands import AgeBand
from healthgap.stats.standard_populations import (
    ESP2013_19,
    ESP2013_20,
    ESP2013_21,
    StandardPopulation,
    band_reasons,
    match_bands,
    standard_population,
)
from tests.data.open_data._mirror import mirror_or_skip
from tests.needs import need_file

# METHODS.md section 6, typed in from the text (19 bands, Fingertips).
METHODS_ESP19 = {
    "0-4": 5000, "5-9": 5500, "10-14": 5500, "15-19": 5500, "20-24": 6000, "25-29": 6000,
    "30-34": 6500, "35-39": 7000, "40-44": 7000, "45-49": 7000, "50-54": 7000,
    "55-59": 6500, "60-64": 6000, "65-69": 5500, "70-74": 5000, "75-79": 4000,
    "80-84": 2500, "85-89": 1500, "90+": 1000,
}  # fmt: skip


def test_esp2013_19_matches_methods_text() -> None:
    assert ESP2013_19.to_dict() == METHODS_ESP19
    assert ESP2013_19.total == 100_000


def test_esp2013_20_and_21_split_the_end_bands() -> None:
    # METHODS.md section 6: 0 1000, 1-4 4000, ..., 90-94 800, 95+ 200.
    d20, d21 = ESP2013_20.to_dict(), ESP2013_21.to_dict()
    assert list(d20)[:3] == ["0", "1-4", "5-9"] and d20["0"] == 1000 and d20["1-4"] == 4000
    assert d20["90+"] == 1000 and len(d20) == 20
    assert d21["90-94"] == 800 and d21["95+"] == 200 and len(d21) == 21
    assert ESP2013_20.total == ESP2013_21.total == 100_000
    for label in list(METHODS_ESP19)[1:-1]:
        assert d20[label] == d21[label] == METHODS_ESP19[label]


@pytest.mark.parametrize(
    ("filename", "std"),
    [("esp2013_19_age_bands.csv", ESP2013_19), ("esp2013_20_age_bands.csv", ESP2013_20)],
)
def test_constants_agree_with_shared_reference_files(
    filename: str, std: StandardPopulation
) -> None:
    path = need_file(mirror_or_skip() / "reference" / filename)
    ref = pd.read_csv(path)
    assert list(ref["age_band"]) == list(std.labels)
    np.testing.assert_array_equal(ref["esp2013_weight"].to_numpy(float), std.weight_array)
    starts = [b.start for b in std.bands]
    ends = [np.nan if b.end is None else b.end for b in std.bands]
    np.testing.assert_array_equal(ref["age_lower"], starts)
    np.testing.assert_array_equal(ref["age_upper"].to_numpy(float), ends)
    # The shared file itself is accepted as a user-supplied standard (age_band + *weight).
    assert standard_population(ref).to_dict() == std.to_dict()


def test_names_resolve() -> None:
    assert standard_population("esp2013") is ESP2013_19
    assert standard_population("esp2013_20") is ESP2013_20
    assert standard_population("esp2013_21") is ESP2013_21
    assert standard_population(ESP2013_21) is ESP2013_21


def test_user_supplied_forms_normalise_labels_and_sort() -> None:
    expected = {"0-29": 7498.0, "30-59": 3219.0, "60+": 742.0}
    mapping = {"60 and over": 742, "00-29": 7498, "30 to 59 yrs": 3219}
    series = pd.Series([7498, 3219, 742], index=["0-29", "30-59", "60+ yrs"])
    two_cols = pd.DataFrame({"band": ["0-29", "30-59", "60+"], "w": [7498, 3219, 742]})
    polars_frame = pl.from_pandas(two_cols)
    for spec in (mapping, series, two_cols, polars_frame):
        std = standard_population(spec)
        assert std.to_dict() == expected
        assert std.name == "user-supplied (3 bands)"
    assert list(standard_population(mapping).to_frame().columns) == ["age_band", "weight"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "esp2011",
            r"standard_population must be one of 'esp2013', 'esp2013_19', 'esp2013_20', "
            r"'esp2013_21', or a mapping, Series or two-column frame of age band -> weight; "
            r"got 'esp2011'\.",
        ),
        (
            {"0-4": 5000, "00-04": 10},
            r"standard_population must list each age band once; got '0-4' and '00-04', which "
            r"are both the band 0-4\. Remove the duplicate\.",
        ),
        (
            {"0-4": 5000, "5-9": -1},
            r"standard_population weights must be 0 or more; got -1 for band '5-9'\.",
        ),
        (
            {"0-4": 5000, "5-9": np.nan},
            r"standard_population weights must be finite numbers; got nan for band '5-9'\.",
        ),
        (
            {"0-4": "5,000"},
            r"standard_population weights must be finite numbers; got '5,000' for band '0-4'",
        ),
        (
            {"0-9": 1, "5-14": 1},
            r"standard_population age bands must not overlap; got '0-9' and '5-14'\.",
        ),
        (
            {"0-4": 1, "80+": 1, "85-89": 1},
            r"standard_population age bands must not overlap; got '80\+' and '85-89'\.",
        ),
        ({"0-4": 0, "5-9": 0}, r"standard_population weights must not all be 0"),
        ({}, r"standard_population must have at least one age band; got none\."),
        (
            {"0-4": 1, "adults": 2},
            r"standard_population age bands must be labels such as '0-4', '1-4', '90\+' or "
            r"'<1'; got 'adults' \(band 2\)\.",
        ),
        (
            pd.DataFrame({"a": ["0-4"], "b": [1], "c": [2]}),
            r"standard_population frame must have two columns \(age band, weight\) or an "
            r"'age_band' column and one '...weight' column; got columns \['a', 'b', 'c'\]\.",
        ),
        (
            [5000, 5500],
            r"standard_population must be a name such as 'esp2013', a mapping of age band -> "
            r"weight, a pandas Series or a two-column frame; got list\.",
        ),
    ],
)
def test_bad_standards_are_input_errors(spec: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        standard_population(spec)


def test_restrict_keeps_whole_bands() -> None:
    under75 = ESP2013_19.restrict(0, 74)
    assert under75.labels == ESP2013_19.labels[:15]
    assert under75.total == 91_000  # 100,000 - 4,000 - 2,500 - 1,500 - 1,000
    over65 = ESP2013_21.restrict(65)
    assert over65.labels == ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+")
    assert over65.name == "esp2013_21 ages 65+"
    with pytest.raises(
        InputError,
        match=r"restrict must cut the standard at band edges; got ages 0-75, which split the "
        r"band 75-79 of esp2013_19\.",
    ):
        ESP2013_19.restrict(0, 75)
    gappy = standard_population({"0-4": 1, "10-14": 1})
    with pytest.raises(
        InputError, match=r"restrict must keep at least one band; got ages 5 to 9, outside"
    ):
        gappy.restrict(5, 9)
    for args in [(10, 5), (-1, 4), (0.5, 4)]:
        with pytest.raises(
            InputError, match=r"restrict must be given whole ages with 0 <= min_age <= max_age"
        ):
            ESP2013_19.restrict(*args)  # type: ignore[arg-type]


def _locate(labels: list[str]):
    return lambda i: (labels[i], f"row {i + 1}")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["0-4", "5-9", "90+"], ESP2013_19),
        (["<1", "1-4", "90 and over"], ESP2013_20),
        (["0", "1 to 4", "90-94", "95+ yrs"], ESP2013_21),
        (["10-14", "90+"], ESP2013_19),  # fits 19 and 20 equally: the 19-band form
    ],
)
def test_auto_picks_the_form_matching_the_labels(
    labels: list[str], expected: StandardPopulation
) -> None:
    from healthgap.stats.age_bands import parse_band

    bands = [parse_band(label) for label in labels]
    std, idx = match_bands("esp2013", bands, "age", _locate(labels))  # type: ignore[arg-type]
    assert std is expected
    assert [std.labels[i] for i in idx] == [b.label for b in bands]  # type: ignore[union-attr]


def test_label_matching_no_band_names_label_row_and_bands() -> None:
    labels = ["0-4", "85+"]
    bands = [AgeBand(0, 4), AgeBand(85, None)]
    with pytest.raises(
        InputError,
        match=r"age column 'age' must hold the age bands of the standard population esp2013_19 "
        r"\(0-4, 5-9, .*, 85-89, 90\+\); got '85\+' at row 2, which matches no band of it or "
        r"of any other ESP2013 form\. Combine or split",
    ):
        match_bands("esp2013", bands, "age", _locate(labels))
    with pytest.raises(InputError, match=r"standard population esp2013_20 .* got '0-4' at row 1"):
        match_bands("esp2013_20", bands, "age", _locate(labels))


def test_band_reasons_group_patterns() -> None:
    mask = np.array([[False, True, True], [False, False, False], [False, True, True]])
    out = band_reasons(mask, ["0-4", "5-9", "10+"], "missing age bands: ")
    assert len(out) == 1
    groups, reason = out[0]
    assert groups.tolist() == [True, False, True]
    assert reason == "missing age bands: 5-9, 10+"
    assert band_reasons(np.zeros((2, 3), dtype=bool), ["a", "b", "c"], "x") == []


def test_exported_from_package() -> None:
    assert healthgap.standard_population is standard_population
    assert healthgap.StandardPopulation is StandardPopulation
    assert "19 bands" in repr(ESP2013_19)
