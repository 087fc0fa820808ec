"""The shipped MILES stellar library: spectra, MK types parsed from the literature strings, and its build script."""
import importlib.util
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits

from astrospecml.datasets import load_miles, parse_mk_type
from astrospecml.preprocessing import ConvertMedium

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def miles():
    return load_miles()


def test_spectra_are_the_library_grid_in_air_and_every_usable_star_is_there(miles):
    first = miles.data[0]
    assert first.spectral_axis.unit == u.AA and len(first.flux) == 4300
    assert first.spectral_axis[0].value == pytest.approx(3540.5) and first.spectral_axis[-1].value == pytest.approx(
        3540.5 + 0.9 * 4299)
    assert first.meta["wavelength_medium"] == "air" and first.uncertainty is None
    assert len(miles.data) == len(miles.target) == len(miles.meta) == len(miles.groups) == 906
    assert miles.target_names.tolist() == list("OBAFGKM")
    assert np.all([np.isfinite(s.flux.value).all() for s in miles.data[:50]])
    # A star at its type: the Sun-like G2V HD 225239 has its spectrum where the table says.
    row = np.flatnonzero(miles.meta["NAME"] == "HD225239")[0]
    assert miles.target[row] == "G" and miles.data[row].meta["SPT"] == "G2V"


def test_stars_without_a_usable_label_stay_in_the_table_but_out_of_the_task(miles):
    whole = load_miles(target="teff").meta
    letter_less = set(np.asarray(whole["SPT"])[np.asarray(whole["LETTER"]) == ""])
    assert {"HB", "GB", "AGB", "III", ""} <= letter_less
    assert not set(miles.meta["SPT"]) & {"HB", "GB", "AGB", "III", ""}
    assert "79 stars without a usable type" in miles.DESCR
    assert 970 not in set(whole["MILES_ID"]) | set(miles.meta["MILES_ID"])  # set aside by the MaNGA team


def test_luminosity_and_subtype_targets():
    spectra, groups = load_miles(target="luminosity_class", return_X_y=True)
    assert set(groups) == {"dwarf", "giant", "supergiant"} and len(spectra) == len(groups) == 646
    subtype = load_miles(target="subtype")
    assert subtype.target.dtype.kind == "f" and np.all((subtype.target >= 0) & (subtype.target < 70))
    with pytest.raises(ValueError, match="target must be one of"):
        load_miles(target="mass")


@pytest.mark.parametrize("text, expected", [
    ("G2V", ("G", 42.0, "V")),
    ("K0 III", ("K", 50.0, "III")),
    ("B0.5 Iae", ("B", 10.5, "I")),
    ("G8/K0III", ("G", 48.0, "III")),
    ("F7-8IV-V", ("F", 37.0, "IV")),
    ("K4-5 III-II", ("K", 54.0, "III")),
    ("G6 IV + M6 V", ("G", 46.0, "IV")),
    ("KIIvw", ("K", float("nan"), "II")),
    ("M2Iabpe...", ("M", 62.0, "I")),
    ("sd:F", ("F", float("nan"), "VI")),
    ("F5 VI", ("F", 35.0, "VI")),
    ("07Ia", ("O", 7.0, "I")),
    ("A0 V (HB)", ("A", 20.0, "V")),
    ("Am", ("A", float("nan"), "")),
    ("GB", ("", float("nan"), "")),
    ("AGB", ("", float("nan"), "")),
    ("M3Svar", ("", float("nan"), "")),
    ("III", ("", float("nan"), "")),
])
def test_mk_types_parse_as_an_astronomer_reads_them(text, expected):
    letter, subtype, luminosity = parse_mk_type(text)
    assert (letter, luminosity) == (expected[0], expected[2])
    assert subtype == pytest.approx(expected[1], nan_ok=True)


def test_air_library_spectra_meet_vacuum_survey_spectra_on_one_grid(miles):
    vacuum = ConvertMedium("vacuum").fit_transform(miles.data[:2])
    shift = vacuum[0].spectral_axis - miles.data[0].spectral_axis
    assert vacuum[0].meta["wavelength_medium"] == "vacuum"
    assert 1.0 < shift[0].to_value(u.AA) < 1.1 and 2.0 < shift[-1].to_value(u.AA) < 2.1  # n - 1 ~ 2.8e-4


def test_shipped_file_carries_the_licence_and_rounds_within_its_stated_bound():
    path = ROOT / "astrospecml" / "datasets" / "data" / "miles.fits"
    with fits.open(path) as hdul:
        notice = "\n".join(hdul["LICENSE"].data["LINE"])
        assert "BSD 3-Clause" in notice and "SDSS" in notice
        assert hdul["FLUX"].header["CTYPE1"] == "AWAV" and hdul["FLUX"].header["FWHM"] == 2.5
    spec = importlib.util.spec_from_file_location("build_miles", ROOT / "scripts" / "build_miles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    values = np.random.default_rng(0).uniform(1e-3, 10, 10_000).astype(np.float32)
    rounded = build.round_mantissa(values)
    assert np.max(np.abs(rounded / values - 1)) < 6.2e-5
    assert np.all(build.round_mantissa(rounded) == rounded)  # idempotent: what ships is what it rounds to


def test_build_script_reads_the_parameter_table_and_places_the_garbled_number():
    spec = importlib.util.spec_from_file_location("build_miles", ROOT / "scripts" / "build_miles.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    header = ("Name                  MILES   CaT   SpT            Teff   log g   [Fe/H]  Refs   Libraries\n"
              "                      s????\n - - - -\n")
    text = header + (
        "HD000001               0001         G2V             5775   4.00    -0.45   SKC\n"
        "HD044691A              002.         A3m             7950   3.95     0.35   333\n"
        "M71 X             Cl   0003         HB              5170   2.41      --    2     L\n")
    rows = build.parse_parameters(text)
    assert [row["MILES_ID"] for row in rows] == [1, 2, 3]
    assert rows[1]["SPT"] == "A3m" and rows[2]["NAME"] == "M71 X" and rows[2]["CLUSTER"]
    assert np.isnan(rows[2]["FEH"]) and rows[0]["TEFF"] == 5775
