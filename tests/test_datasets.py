"""The shipped SpeX Prism Library and the source-disjoint split."""
import importlib.util
import io
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from specutils import Spectrum

from astrospecml.datasets import load_spex_prism, subtype_to_label
from astrospecml.model_selection import source_disjoint_split

ROOT = Path(__file__).resolve().parents[1]


def test_loader_returns_real_spectra_labels_snr_and_photometry(spex):
    assert len(spex.data) >= 2400
    assert len(spex.data) == len(spex.target) == len(spex.meta) == len(spex.groups)
    first = spex.data[0]
    assert isinstance(first, Spectrum) and first.spectral_axis.unit == u.um
    assert first.uncertainty is not None and first.mask is not None
    # Native grids: prism spectra cover about 0.65-2.55 micron with a few hundred pixels.
    assert 0.6 < first.spectral_axis.min().value < 0.9 and first.spectral_axis.max().value > 2.3
    assert len({len(s.flux) for s in spex.data}) > 5
    assert set(np.unique(spex.target)) <= set(range(10, 40))
    assert {"M8", "L5", "T6"} <= set(spex.target_names)
    for column in ("DATA_KEY", "SOURCE_KEY", "SPEX_TYPE", "OPT_TYPE", "NIR_TYPE", "SUBTYPE",
                   "MEDIAN_SNR", "QUALITY_FLAG", "SPEX_GRAVITY_CLASS", "LUMINOSITY_CLASS",
                   "METALLICITY_CLASS", "BINARY", "J_2MASS", "J_2MASS_E", "H_2MASS", "KS_2MASS_E",
                   "BIBCODE"):
        assert column in spex.meta.colnames
    assert set(spex.meta["QUALITY_FLAG"]) == {"OK"}
    assert np.isfinite(np.asarray(spex.meta["MEDIAN_SNR"], float)).mean() > 0.99
    assert np.isfinite(np.asarray(spex.meta["J_2MASS"], float)).mean() > 0.95
    assert np.nanmedian(np.asarray(spex.meta["J_2MASS"], float)) == pytest.approx(14, abs=2)


def test_spectra_on_the_same_grid_share_a_wcs_that_maps_to_each_ones_own_axis(spex):
    grids = {}
    for spectrum in spex.data:
        grids.setdefault(spectrum.spectral_axis.value.tobytes(), []).append(spectrum)
    shared = [group for group in grids.values() if len(group) > 1]
    assert shared and len(grids) < len(spex.data)
    for group in shared[:20]:
        assert all(other.wcs is group[0].wcs for other in group[1:])
        for spectrum in (group[0], group[-1]):
            pixels = np.arange(len(spectrum.spectral_axis))
            assert u.allclose(spectrum.wcs.pixel_to_world(pixels), spectrum.spectral_axis)
    # Different grids, different WCS.
    first, second = (group[0] for group in list(grids.values())[:2])
    assert first.wcs is not second.wcs
    # A later load, while these spectra live, takes their WCSs instead of building them again.
    by_key = {spectrum.meta["DATA_KEY"]: spectrum for spectrum in spex.data}
    later = load_spex_prism(target="opt_type").data
    assert all(spectrum.wcs is by_key[spectrum.meta["DATA_KEY"]].wcs for spectrum in later)
    assert all(spectrum.spectral_axis is not by_key[spectrum.meta["DATA_KEY"]].spectral_axis for spectrum in later)


def test_labels_match_the_spex_type_strings(spex):
    for spectrum, label in zip(spex.data[:200], spex.target[:200]):
        assert spectrum.meta["SPEX_TYPE"].startswith(subtype_to_label(label))


def test_descr_cites_burgasser_2014_and_spectrum_references(spex):
    assert "2014ASInC..11....7B" in spex.DESCR and "Burgasser" in spex.DESCR
    assert spex.meta["BIBCODE"][0] in spex.DESCR
    assert "MIT" in spex.DESCR


def test_other_targets_and_return_x_y():
    X, y = load_spex_prism(target="spectral_class", return_X_y=True)
    assert set(y) == {"M", "L", "T"} and len(X) == len(y)
    optical = load_spex_prism(target="opt_type")
    assert 500 < len(optical.data) < len(X)
    assert np.isfinite(optical.target).all()
    bright = load_spex_prism(min_snr=100)
    assert np.all(np.asarray(bright.meta["MEDIAN_SNR"]) >= 100)
    with pytest.raises(ValueError, match="target must be one of"):
        load_spex_prism(target="teff")


def test_flux_is_normalised_at_the_j_peak(spex):
    spectrum = spex.data[10]
    window = (spectrum.spectral_axis > 1.25 * u.um) & (spectrum.spectral_axis < 1.30 * u.um) & ~spectrum.mask
    assert np.median(spectrum.flux.value[window]) == pytest.approx(1.0, rel=1e-4)


def test_shipped_file_carries_the_splat_licence(spex):
    with fits.open(spex.filename) as hdul:
        text = "\n".join(hdul["LICENSE"].data["LINE"])
    assert "MIT License" in text and "Cool Star Lab" in text
    assert Path(spex.filename).stat().st_size < 15e6


def test_source_disjoint_split_never_shares_a_source(spex):
    X_train, X_test, y_train, y_test, g_train, g_test = source_disjoint_split(
        spex.data, spex.target, spex.groups, groups=spex.groups, test_size=0.25,
        stratify=spex.target, random_state=0)
    assert not set(g_train) & set(g_test)
    assert len(X_train) + len(X_test) == len(spex.data)
    assert 0.15 < len(X_test) / len(spex.data) < 0.35
    assert isinstance(X_train[0], Spectrum) and len(y_train) == len(X_train)
    # Repeated sources exist, so a plain random split would have leaked.
    assert len(np.unique(spex.groups)) < len(spex.groups)


def test_source_disjoint_split_without_stratify_and_errors():
    X, groups = np.arange(20)[:, None], np.repeat(np.arange(5), 4)
    train, test = source_disjoint_split(X, groups=groups, test_size=0.4, random_state=1)
    assert not set(groups[train.ravel()]) & set(groups[test.ravel()])
    with pytest.raises(ValueError, match="two distinct sources"):
        source_disjoint_split(X, groups=np.zeros(20))
    with pytest.raises(ValueError, match="groups has 3 entries"):
        source_disjoint_split(X, groups=[1, 2, 3])
    with pytest.raises(ValueError, match="fraction"):
        source_disjoint_split(X, groups=groups, test_size=2)


def _build_script():
    spec = importlib.util.spec_from_file_location("build_spex", ROOT / "scripts" / "build_spex_prism.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fits_bytes(data):
    buffer = io.BytesIO()
    fits.PrimaryHDU(np.asarray(data, dtype=np.float32)).writeto(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("layout", ["3xN", "4xN", "Nx3", "2xN", "2x3xN"])
def test_build_script_reads_every_spex_file_layout(layout):
    reader = _build_script().read_spex_fits
    wave = np.linspace(0.65, 2.55, 50)
    flux = np.linspace(1, 2, 50)
    noise = np.full(50, 0.1)
    flags = np.zeros(50)
    flags[7] = 1
    data = {
        "3xN": np.vstack([wave, flux, noise]),
        "4xN": np.vstack([wave, flux, noise, flags]),
        "Nx3": np.vstack([wave, flux, noise]).T,
        "2xN": np.vstack([wave, flux]),
        "2x3xN": np.stack([np.vstack([wave, flux, noise]), np.vstack([wave, flux * 0, noise])]),
    }[layout]
    w, f, e, mask = reader(_fits_bytes(data))
    np.testing.assert_allclose(w, wave, rtol=1e-6)
    np.testing.assert_allclose(f, flux, rtol=1e-6)
    if layout == "2xN":
        assert np.isnan(e).all() and not mask.any()
    else:
        np.testing.assert_allclose(e, noise, rtol=1e-6)
    assert mask[7] == (layout == "4xN") and mask.sum() == (layout == "4xN")


def test_build_script_parses_spectral_types():
    parse = _build_script().parse_spectral_type
    assert parse("M8.0:") == 18 and parse("L4.5") == 24.5 and parse("T0.0") == 30
    assert parse("sdM7") == 17 and parse("d/sdM6") == 16
    assert np.isnan(parse("G")) and np.isnan(parse("")) and np.isnan(parse("M alph"))
