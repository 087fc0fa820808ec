"""Readers: the LAMOST LRS format and specutils' SDSS reader feeding our transformers."""
import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from specutils import Spectrum

import astrospecml.io  # noqa: F401  (registers the LAMOST format)
from astrospecml.io import (
    read_lamost_lrs,
    to_array,
    wavelength_medium,
    write_lamost_lrs,
)
from astrospecml.preprocessing import (
    BadPixelImputer,
    ContinuumNormalize,
    ConvertMedium,
    FluxNorm,
    Resample,
)


def log_linear_spectrum(n=300, coeff0=3.5682, coeff1=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    wave = 10 ** (coeff0 + coeff1 * np.arange(n)) * u.AA
    flux = (100 + 10 * np.sin(np.arange(n) / 20) + rng.normal(0, 1, n)) * u.Unit("1e-17 erg / (s cm2 AA)")
    return Spectrum(flux=flux, spectral_axis=wave, uncertainty=StdDevUncertainty(np.full(n, 2.0)))


def test_lamost_round_trip_wavelength_flux_ivar_mask_and_header(tmp_path):
    spectrum = log_linear_spectrum()
    path = tmp_path / "spec-55859-F5902_sp01-001.fits"
    write_lamost_lrs(spectrum, path, header={"CLASS": "STAR", "SUBCLASS": "G2", "SN_R": 45.3, "OBSID": 123})
    # Flag one pixel in andmask and give another zero inverse variance, as the pipeline does.
    with fits.open(path, mode="update") as hdul:
        hdul[0].data[3, 10] = 4
        hdul[0].data[1, 20] = 0
    for read in (lambda p: Spectrum.read(p, format="LAMOST-LRS"), lambda p: Spectrum.read(p), read_lamost_lrs):
        out = read(path)
        assert u.allclose(out.spectral_axis, spectrum.spectral_axis, rtol=1e-6)
        assert u.allclose(out.flux, spectrum.flux, rtol=1e-5)
        np.testing.assert_allclose(out.uncertainty.array[0], 1 / 4.0, rtol=1e-5)  # ivar of sigma=2
        assert out.mask[10] and out.mask[20] and out.mask.sum() == 2
        assert out.meta["CLASS"] == "STAR" and out.meta["SUBCLASS"] == "G2" and out.meta["SN_R"] == pytest.approx(45.3)
        assert out.meta["header"]["COEFF1"] == pytest.approx(1e-4)


def test_early_release_layout_with_wavelength_row(tmp_path):
    wave = 10 ** (3.57 + 1e-4 * np.arange(50))
    data = np.vstack([np.ones(50), np.ones(50), wave, np.zeros(50), np.zeros(50)]).astype(np.float32)
    hdu = fits.PrimaryHDU(data)
    hdu.header["TELESCOP"] = "LAMOST"
    hdu.writeto(tmp_path / "dr1.fits")
    out = Spectrum.read(tmp_path / "dr1.fits", format="LAMOST-LRS")
    np.testing.assert_allclose(out.spectral_axis.value, wave, rtol=1e-6)


def test_lamost_files_feed_the_transformers(tmp_path):
    paths = []
    for i, coeff0 in enumerate([3.5682, 3.5690]):
        path = tmp_path / f"s{i}.fits"
        write_lamost_lrs(log_linear_spectrum(coeff0=coeff0, seed=i), path)
        paths.append(path)
    spectra = [Spectrum.read(p, format="LAMOST-LRS") for p in paths]
    with pytest.raises(ValueError, match="Resample"):
        to_array(spectra)
    out = FluxNorm().fit_transform(BadPixelImputer().fit_transform(Resample(n_pixels=200).fit_transform(spectra)))
    assert to_array(out).shape == (2, 200)


def test_writer_refuses_a_linear_grid(tmp_path):
    linear = Spectrum(flux=np.ones(10) * u.Jy, spectral_axis=np.linspace(4000, 5000, 10) * u.AA)
    with pytest.raises(ValueError, match="log-linear"):
        write_lamost_lrs(linear, tmp_path / "x.fits")


def test_not_a_lamost_file_and_a_corrupt_file_raise(tmp_path):
    fits.PrimaryHDU(np.ones((3, 10))).writeto(tmp_path / "three.fits")
    with pytest.raises(ValueError, match="5-row image"):
        read_lamost_lrs(tmp_path / "three.fits")
    good = tmp_path / "good.fits"
    write_lamost_lrs(log_linear_spectrum(), good)
    corrupt = tmp_path / "corrupt.fits"
    corrupt.write_bytes(good.read_bytes()[:4000])
    with pytest.raises((OSError, ValueError, TypeError), match="(?i)truncat|corrupt|size|empty|buffer"):
        Spectrum.read(corrupt, format="LAMOST-LRS")
    (tmp_path / "text.fits").write_text("this is not FITS")
    with pytest.raises(OSError, match="(?i)fits"):
        Spectrum.read(tmp_path / "text.fits", format="LAMOST-LRS")


def write_sdss_spec(path, loglam, flux, ivar, and_mask):
    """A minimal SDSS-III/IV ``spec`` file: coadd table in HDU 1."""
    primary = fits.PrimaryHDU()
    primary.header["TELESCOP"] = "SDSS 2.5-M"
    primary.header["AIRORVAC"] = "vac"  # as SDSS writes it
    primary.header["VERS2D"], primary.header["FIBERID"] = "v5_13_0", 1
    coadd = fits.BinTableHDU.from_columns([
        fits.Column(name="flux", format="E", array=flux),
        fits.Column(name="loglam", format="E", array=loglam),
        fits.Column(name="ivar", format="E", array=ivar),
        fits.Column(name="and_mask", format="J", array=and_mask),
    ], name="COADD")
    fits.HDUList([primary, coadd]).writeto(path)


def test_sdss_spec_files_from_specutils_work_with_our_transformers(tmp_path):
    loglam = 3.5797 + 1e-4 * np.arange(400)
    and_mask = np.zeros(400, int)
    and_mask[100] = 1 << 22
    paths = []
    for i in range(3):
        path = tmp_path / f"spec-{i}.fits"
        write_sdss_spec(path, loglam, 10 + np.random.default_rng(i).normal(0, 1, 400), np.full(400, 4.0), and_mask)
        paths.append(path)
    spectra = [Spectrum.read(p, format="SDSS-III/IV spec") for p in paths]
    with pytest.raises(ValueError, match="BadPixelImputer"):
        to_array(spectra)  # the and_mask pixel is not used silently
    clean = BadPixelImputer().fit_transform(FluxNorm().fit_transform(spectra))
    X = to_array(clean)
    assert X.shape == (3, 400) and np.isfinite(X).all()
    np.testing.assert_allclose(np.linalg.norm(X[:, np.arange(400) != 100], axis=1), 1, rtol=1e-3)
    resampled = Resample(np.linspace(4000, 4300, 100) * u.AA).fit_transform(spectra)
    assert resampled[0].flux.unit == spectra[0].flux.unit and len(resampled[0].flux) == 100


@pytest.mark.parametrize("method", ["linear", "spline", "flux_conserving"])
def test_lamost_spectra_resample_with_every_method_keeping_their_uncertainty(tmp_path, method):
    # specutils' linear and spline resamplers mishandle an InverseVariance
    # uncertainty (the LAMOST reader's); Resample hands them a standard deviation.
    wave = 10 ** (3.6 + 1e-4 * np.arange(400)) * u.AA
    sigma = np.full(400, 0.5)
    unit = u.Unit("1e-17 erg / (s cm2 Angstrom)")
    write_lamost_lrs(Spectrum(flux=np.ones(400) * unit, spectral_axis=wave, uncertainty=StdDevUncertainty(sigma)),
                     tmp_path / "spec.fits")
    spectrum = Spectrum.read(tmp_path / "spec.fits", format="LAMOST-LRS")
    grid = np.linspace(4000, 4300, 50) * u.AA
    out = Resample(grid, method=method).fit_transform([spectrum])[0]
    np.testing.assert_allclose(out.flux.value, 1.0, rtol=1e-6)
    resampled_sigma = out.uncertainty.represent_as(StdDevUncertainty).array
    assert np.all(np.isfinite(resampled_sigma))
    if method != "flux_conserving":  # interpolation keeps the per-pixel sigma
        np.testing.assert_allclose(resampled_sigma, 0.5, rtol=1e-6)


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("layout", ["image", "table"])
def test_both_lamost_layouts_read_alike_identified_without_a_format(tmp_path, layout, gzipped):
    """Data releases 1-7 (5-row image) and 8+ (one-row COADD table), gzipped or not: the same spectrum."""
    spectrum = log_linear_spectrum()
    header = {"OBSID": 101, "DESIG": "J000000.00+000000.0", "RA": 1.5, "DEC": -2.25, "CLASS": "STAR",
              "SUBCLASS": "K5", "Z": 1e-4, "SNRR": 33.0}
    path = tmp_path / "spec.fits"
    write_lamost_lrs(spectrum, path, header=header, layout=layout)
    with fits.open(path, mode="update") as hdul:  # one andmask pixel, one without inverse variance
        if layout == "image":
            hdul[0].data[3, 10], hdul[0].data[1, 20] = 4, 0
        else:
            hdul[1].data["ANDMASK"][0, 10], hdul[1].data["IVAR"][0, 20] = 4, 0
    if gzipped:  # as LAMOST serves them: spec-....fits.gz
        import gzip
        import shutil

        with open(path, "rb") as plain, gzip.open(tmp_path / "spec.fits.gz", "wb") as packed:
            shutil.copyfileobj(plain, packed)
        path.unlink()
        path = tmp_path / "spec.fits.gz"
    out = Spectrum.read(path)
    assert u.allclose(out.spectral_axis, spectrum.spectral_axis, rtol=1e-6)
    assert u.allclose(out.flux, spectrum.flux, rtol=1e-5)
    assert out.mask[10] and out.mask[20] and out.mask.sum() == 2
    assert {key: out.meta[key] for key in header} == header
    assert out.meta["wavelength_medium"] == wavelength_medium(out) == "vacuum"


def test_a_lamost_header_saying_air_is_believed(tmp_path):
    path = tmp_path / "spec.fits"
    write_lamost_lrs(log_linear_spectrum(), path, header={"VACUUM": False}, layout="table")
    assert Spectrum.read(path).meta["wavelength_medium"] == "air"


def test_sdss_files_say_vacuum_and_mixed_media_are_refused_until_converted(tmp_path):
    loglam = 3.5797 + 1e-4 * np.arange(200)
    write_sdss_spec(tmp_path / "sdss.fits", loglam, np.full(200, 10.0), np.full(200, 4.0), np.zeros(200, int))
    sdss = Spectrum.read(tmp_path / "sdss.fits")  # identified by specutils itself
    assert wavelength_medium(sdss) == "vacuum"
    air = Spectrum(flux=sdss.flux, spectral_axis=sdss.spectral_axis, meta={"wavelength_medium": "air"})
    grid = np.linspace(3900, 4500, 50) * u.AA
    with pytest.raises(ValueError, match=r"spectrum 1 has air .* ConvertMedium"):
        Resample(grid).fit([sdss, air])
    fitted = Resample(grid).fit([sdss])
    with pytest.raises(ValueError, match=r"air wavelengths but Resample was fitted on vacuum"):
        fitted.transform([air])
    converted = ConvertMedium("vacuum").fit_transform([sdss, air])
    assert converted[0].spectral_axis is sdss.spectral_axis or u.allclose(converted[0].spectral_axis,
                                                                          sdss.spectral_axis)
    # Morton (2000): at 3800 Angstrom in air the vacuum wavelength is 1.08 Angstrom longer, at 4000 1.13.
    shift = (converted[1].spectral_axis - air.spectral_axis).to_value(u.AA)
    assert shift[0] == pytest.approx(1.08, abs=0.01) and np.all(shift > 1.07)
    assert len(fitted.transform(converted)) == 2  # converted: accepted
    back = ConvertMedium("air").fit_transform(converted[1:])[0]
    assert u.allclose(back.spectral_axis, air.spectral_axis, rtol=1e-8)  # 4e-5 Angstrom
    with pytest.raises(ValueError, match="assume='air'"):
        ConvertMedium().fit_transform([Spectrum(flux=sdss.flux, spectral_axis=sdss.spectral_axis)])


def test_desi_coadd_files_read_through_specutils_own_reader(tmp_path):
    """A DESI coadd file written from the DESI data model: three arms, each a Spectrum of every target."""
    from specutils import SpectrumList

    n_targets = 2
    hdus = [fits.PrimaryHDU()]
    hdus[0].header["INFIL000"] = "cframe.fits"  # what marks a coadd (not a spectra) file
    fibermap = fits.BinTableHDU.from_columns([fits.Column(name="TARGETID", format="K", array=np.arange(n_targets))],
                                             name="FIBERMAP")
    hdus.append(fibermap)
    for band, (low, high) in {"B": (3600, 5900), "R": (5660, 7720), "Z": (7520, 9824)}.items():
        wave = np.arange(low, high, 0.8)
        for kind, data, unit in (("WAVELENGTH", wave, "Angstrom"),
                                 ("FLUX", np.ones((n_targets, len(wave)), np.float32), "1e-17 erg/(s cm2 Angstrom)"),
                                 ("IVAR", np.ones((n_targets, len(wave)), np.float32),
                                  "1e+34 cm4 Angstrom2 s2 / erg2"),
                                 ("MASK", np.zeros((n_targets, len(wave)), np.int32), None)):
            hdu = fits.ImageHDU(data, name=f"{band}_{kind}")
            if unit:
                hdu.header["BUNIT"] = unit
            hdus.append(hdu)
    hdus.append(fits.BinTableHDU.from_columns([fits.Column(name="TARGETID", format="K",
                                                           array=np.arange(n_targets))], name="SCORES"))
    fits.HDUList(hdus).writeto(tmp_path / "coadd-main-dark-1234.fits")
    arms = SpectrumList.read(tmp_path / "coadd-main-dark-1234.fits", format="DESI coadd")
    assert [s.meta["band"] for s in arms] == ["b", "r", "z"]
    assert arms[0].flux.shape == (n_targets, len(np.arange(3600, 5900, 0.8)))
    # DESI headers do not state the medium (the data model: vacuum); the user says so.
    assert wavelength_medium(arms[0]) is None
    vacuum = ConvertMedium(assume="vacuum").fit_transform([arms[0]])[0]
    assert vacuum.meta["wavelength_medium"] == "vacuum"


def test_continuum_normalize_flattens_a_red_star_keeping_its_lines_and_masks():
    wave = np.linspace(3800, 9000, 3000) * u.AA
    blackbody = (wave.value / 9000) ** 3  # a red continuum, faint in the blue
    line = 1 - 0.6 * np.exp(-0.5 * ((wave.value - 6563) / 4) ** 2)
    mask = np.zeros(3000, bool)
    mask[:300] = True  # a masked blue end
    spectrum = Spectrum(flux=(blackbody * line) * u.Jy, spectral_axis=wave, mask=mask,
                        uncertainty=StdDevUncertainty(0.01 * blackbody))
    flat = ContinuumNormalize().fit_transform([spectrum])[0]
    good = ~mask & (np.abs(wave.value - 6563) > 30)
    np.testing.assert_allclose(flat.flux.value[good], 1, atol=0.02)
    assert flat.flux.value[np.argmin(np.abs(wave.value - 6563))] == pytest.approx(0.4, abs=0.05)
    np.testing.assert_array_equal(flat.mask, mask)
    np.testing.assert_allclose(flat.uncertainty.array[good], 0.01, rtol=0.03)
    with pytest.raises(ValueError, match="Negative values in data: the fitted continuum of spectrum 0"):
        ContinuumNormalize().fit_transform(-np.ones((1, 50)))


def test_a_lamost_table_file_is_lamost_alone_with_or_without_telescop(tmp_path):
    from specutils.io.registers import identify_spectrum_format

    path = tmp_path / "spec-dr9.fits"
    write_lamost_lrs(log_linear_spectrum(), path, layout="table")
    assert identify_spectrum_format(str(path)) == "LAMOST-LRS"  # not also the generic 'tabular-fits'
    with fits.open(path) as hdul:
        del hdul[0].header["TELESCOP"]
        hdul.writeto(tmp_path / "no-telescop.fits")
    assert identify_spectrum_format(str(tmp_path / "no-telescop.fits")) == "LAMOST-LRS"
    plain = tmp_path / "plain.fits"
    log_linear_spectrum().write(plain, format="tabular-fits")
    assert identify_spectrum_format(str(plain)) == "tabular-fits"


@pytest.mark.parametrize("where", ["TUNIT", "BUNIT"])
def test_lamost_flux_unit_with_a_for_angstrom_is_read_in_angstrom_from_the_column_or_the_primary_header(
        tmp_path, where):
    path = tmp_path / "spec.fits"
    write_lamost_lrs(log_linear_spectrum(), path, layout="table")
    with fits.open(path) as hdul:
        del hdul[1].header["TUNIT1"]
        if where == "TUNIT":
            hdul[1].header["TUNIT1"] = "10**-17 erg/s/cm^2/A"
            hdul[0].header["BUNIT"] = "Jy"  # the column's own unit comes first
        else:
            hdul[0].header["BUNIT"] = "10**-17 erg/s/cm^2/A"
        hdul.writeto(tmp_path / "edited.fits")
    spectrum = Spectrum.read(tmp_path / "edited.fits")
    assert spectrum.flux.unit == u.Unit("1e-17 erg / (s cm2 Angstrom)")


def test_a_spex_spectrum_without_uncertainty_reads_back_whole_and_is_classified(tmp_path, spex):
    from astrospecml.io import write_spex_prism
    from astrospecml.pretrained import load_pretrained
    from astrospecml.survey import predict_paths

    index = next(i for i, s in enumerate(spex.data) if not np.any(s.uncertainty.array > 0))
    path = tmp_path / "no-uncertainty.fits"
    write_spex_prism(spex.data[index], path)
    back = Spectrum.read(path, format="SpeX-prism")
    assert back.uncertainty is None and not back.mask.any()
    model = load_pretrained("spex-subtype")
    rows = predict_paths(model, [str(path)], reader_format="SpeX-prism")
    assert list(rows["status"]) == ["ok"]
    assert rows["predicted_class"][0] == model.predict([spex.data[index]])[0]


def _table_file(path, edit=None):
    """A LAMOST table-layout file whose COADD table ``edit(columns)`` may change, and its spectrum."""
    spectrum = log_linear_spectrum()
    write_lamost_lrs(spectrum, path, layout="table")
    if edit is not None:
        with fits.open(path) as hdul:
            data = hdul[1].data
            columns = edit({c.name: fits.Column(c.name, c.format, unit=c.unit, array=data[c.name])
                            for c in data.columns})
            table = fits.BinTableHDU.from_columns(list(columns.values()), name="COADD")
            fits.HDUList([hdul[0], table]).writeto(path, overwrite=True)
    return spectrum


def _arrays_both_ways(path):
    from astrospecml.io.lamost import _one_row, lamost_arrays

    with fits.open(path, memmap=False) as hdul:
        direct, took_bytes = lamost_arrays(hdul, opened_here=True), _one_row(hdul, 1) is not None
    with fits.open(path, memmap=False) as hdul:
        through_astropy = lamost_arrays(hdul)
    return direct, through_astropy, took_bytes


@pytest.mark.parametrize("kind", ["plain", "gzipped", "integer mask", "scaled column", "variable-length column"])
def test_the_survey_paths_direct_table_read_gives_astropys_values(tmp_path, kind):
    # The survey path reads a plain one-row table from the file's bytes (three times faster than astropy's
    # table reader); other tables go to astropy.  Either way the arrays must be astropy's, to the bit.
    def edit(columns):
        if kind == "integer mask":
            values = columns["ANDMASK"].array.astype(np.int32)
            values[0, :5] = 3
            columns["ANDMASK"] = fits.Column("ANDMASK", "300J", array=values)
        elif kind == "scaled column":
            columns["IVAR"] = fits.Column("IVAR", "300E", array=columns["IVAR"].array, bscale=2.0, bzero=1.0)
        elif kind == "variable-length column":
            columns["EXTRA"] = fits.Column("EXTRA", "PE()", array=np.array([np.ones(4)], dtype=object))
        return columns

    path = tmp_path / ("spec.fits.gz" if kind == "gzipped" else "spec.fits")
    spectrum = _table_file(path, edit=None if kind in ("plain", "gzipped") else edit)
    direct, through_astropy, took_bytes = _arrays_both_ways(path)
    assert took_bytes == (kind in ("plain", "gzipped", "integer mask"))
    for name in ("wavelength", "flux", "ivar", "normalized", "andmask", "ormask"):
        a, b = getattr(direct, name), getattr(through_astropy, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert direct.unit == through_astropy.unit and direct.header == through_astropy.header
    np.testing.assert_allclose(direct.flux, spectrum.flux.value, rtol=1e-6)
    if kind == "integer mask":
        assert (direct.andmask[:5] == 3).all() and not direct.andmask[5:].any()


def test_a_table_header_declaring_a_row_its_columns_do_not_fill_is_read_by_astropy_or_refused(tmp_path):
    from astrospecml.io.lamost import _one_row, lamost_arrays

    path = tmp_path / "spec.fits"
    _table_file(path)
    with fits.open(path, memmap=False) as hdul:
        hdul[1].header["TFORM1"] = "299E"  # a row's columns now add up to less than NAXIS1
        assert _one_row(hdul, 1) is None
        for huge in ("99999999999999E", "9" * 30 + "E"):  # nothing read or allocated for such rows
            hdul[1].header["TFORM1"] = huge
            assert _one_row(hdul, 1) is None
        hdul[1].header["TFIELDS"] = 10**6
        with pytest.raises(ValueError, match="TFIELDS"):
            lamost_arrays(hdul, opened_here=True)


def test_an_hdu_list_changed_in_memory_is_read_as_changed_not_from_its_file(tmp_path):
    path = tmp_path / "spec.fits"
    _table_file(path)
    with fits.open(path) as hdul:
        hdul[1].data["FLUX"][0, :10] = -5.0
        spectrum = read_lamost_lrs(hdul)
    assert (spectrum.flux.value[:10] == -5.0).all()
    assert not (Spectrum.read(path, format="LAMOST-LRS").flux.value[:10] == -5.0).any()
