"""From real-layout survey files to a catalogue: coverage policy, identifiers, units, merging, the CLI."""
import re
import shutil
import subprocess
import sys
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import StdDevUncertainty
from astropy.table import Table
from sklearn.calibration import CalibratedClassifierCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from specutils import Spectrum

from astrospecml.cli import main
from astrospecml.datasets import load_spex_prism
from astrospecml.io import write_lamost_lrs
from astrospecml.persistence import save_model
from astrospecml.preprocessing import BadPixelImputer, FluxNorm, Resample, ToArray
from astrospecml.survey import (
    merge_predictions,
    predict_files,
    predict_paths,
    read_predictions,
)

NIR_GRID = np.linspace(0.9, 2.4, 150) * u.um


def _nir_model(spex, train):
    model = make_pipeline(Resample(NIR_GRID, method="linear"), BadPixelImputer(), FluxNorm(), ToArray(),
                          KNeighborsClassifier(5))
    return model.fit([spex.data[i] for i in train], spex.target[train])


def test_m_stars_with_masked_blue_ends_are_classified_and_flagged_not_dropped(tmp_path):
    """Cool stars' blue ends carry no signal: a coverage cut near 1 would drop them by type."""
    spex = load_spex_prism(target="spectral_class")
    sources = np.unique(spex.groups)
    test_sources = set(sources[::4])
    is_test = np.array([g in test_sources for g in spex.groups])
    model = _nir_model(spex, np.flatnonzero(~is_test)[::3])  # a third of the training sources: quicker
    m_stars = np.flatnonzero(is_test & (spex.target == "M"))[:30]
    paths, masked_paths = [], []
    for i in m_stars:
        spectrum = spex.data[i]
        wave = spectrum.spectral_axis.to_value(u.um)
        blue = wave < 1.2  # the first fifth of the training grid, and everything bluer
        mask = blue if spectrum.mask is None else np.asarray(spectrum.mask) | blue
        spectrum = Spectrum(flux=spectrum.flux.value * u.Jy, spectral_axis=spectrum.spectral_axis,  # a flux unit
                            uncertainty=StdDevUncertainty(spectrum.uncertainty.represent_as(StdDevUncertainty).array),
                            mask=spectrum.mask)  # tabular-fits recognises
        masked = Spectrum(flux=spectrum.flux, spectral_axis=spectrum.spectral_axis,
                          uncertainty=spectrum.uncertainty, mask=mask)
        paths.append(str(tmp_path / f"whole{i}.fits"))
        masked_paths.append(str(tmp_path / f"masked{i}.fits"))
        spectrum.write(paths[-1], format="tabular-fits")
        masked.write(masked_paths[-1], format="tabular-fits")
    whole = predict_paths(model, paths, reader_format="tabular-fits")
    rows = predict_paths(model, masked_paths, reader_format="tabular-fits")
    assert list(rows["status"]) == ["ok"] * len(m_stars)  # none dropped
    assert np.all(rows["low_coverage"]) and not np.any(whole["low_coverage"])
    np.testing.assert_allclose(rows["coverage"], 0.8, atol=0.01)
    assert np.mean(rows["predicted_class"] == "M") >= 0.9
    assert np.mean(rows["predicted_class"] == whole["predicted_class"]) >= 0.9
    strict = predict_paths(model, masked_paths, reader_format="tabular-fits", min_coverage=0.95)
    assert set(strict["status"]) == {"insufficient_coverage"} and "cover 80" in strict["error"][0]  # said, not hidden


def _lamost_files(folder, n=12):
    """Files of both LAMOST layouts (half gzipped), two classes told apart by their slope."""
    rng = np.random.default_rng(0)
    wave = 10 ** (3.5798 + 1e-4 * np.arange(3000)) * u.AA
    spectra, labels = [], []
    for k in range(n):
        label = "STAR" if k % 2 else "GALAXY"
        slope = np.linspace(1, 2, 3000) if label == "STAR" else np.linspace(2, 1, 3000)
        spectrum = Spectrum(flux=(slope + rng.normal(0, 0.02, 3000)) * u.Unit("1e-17 erg / (s cm2 AA)"),
                            spectral_axis=wave, uncertainty=StdDevUncertainty(np.full(3000, 0.02)))
        header = {"OBSID": 1000 + k, "DESIG": f"J{k:02d}0000.00+000000.0", "RA": 10.0 + k, "DEC": -5.0 - k,
                  "CLASS": label}
        layout = "image" if k < n // 2 else "table"
        name = f"spec-{k:03d}.fits" + (".gz" if k % 3 == 0 else "")
        write_lamost_lrs(spectrum, folder / name, header=header, layout=layout)
        spectra.append(spectrum)
        labels.append(label)
    return spectra, np.array(labels)


@pytest.mark.parametrize("output_format", ["parquet", "fits"])
def test_lamost_files_of_both_layouts_become_a_catalogue_every_reader_opens(tmp_path, output_format):
    folder = tmp_path / "dr"
    folder.mkdir()
    spectra, labels = _lamost_files(folder)
    grid = np.linspace(4000, 7500, 200) * u.AA
    model = make_pipeline(Resample(grid), FluxNorm(), ToArray(), CalibratedClassifierCV(SVC(), cv=2, ensemble=False))
    model.fit(spectra, labels)
    save_model(model, tmp_path / "model.safetensors")
    (folder / "broken.fits").write_text("not FITS")
    out = tmp_path / "catalogue"
    summary = predict_files(tmp_path / "model.safetensors", str(folder / "spec-*"), out, shard_size=5,
                            output_format=output_format, progress=False)
    assert summary.status_counts == {"ok": 12}
    rows = read_predictions(out)
    assert list(rows["obsid"]) == [1000 + k for k in range(12)] and rows["obsid"].dtype == np.int64  # as LAMOST's
    np.testing.assert_allclose(rows["ra"], 10.0 + np.arange(12))
    assert rows["ra"].unit == u.deg and "declination" in rows["dec"].description
    assert list(rows["predicted_class"]) == list(labels)
    np.testing.assert_allclose(rows["max_proba"], np.max([rows["proba_GALAXY"], rows["proba_STAR"]], axis=0))
    assert rows.meta["model_checksum"] == summary.model_checksum and "astrospecml" in rows.meta["software"]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("_")) == ["_job"]
    whole = Table.read(out)  # astropy, through the format astrospecml registers
    assert len(whole) == 12 and whole["ra"].unit == u.deg and list(whole["obsid"]) == list(rows["obsid"])
    if output_format == "parquet":  # the folder itself is one dataset
        import dask.dataframe as dd
        import pandas as pd
        import pyarrow.dataset as ds

        assert ds.dataset(out, format="parquet").to_table().num_rows == 12
        assert len(pd.read_parquet(out)) == 12
        assert len(dd.read_parquet(str(out)).compute()) == 12
        field = ds.dataset(out, format="parquet").schema.field("ra")
        assert field.metadata[b"unit"] == b"deg"
    for name in ("catalogue.fits", "catalogue.parquet", "catalogue.ecsv", "catalogue.vot"):
        merge_predictions(out, tmp_path / name)
        back = Table.read(tmp_path / name)
        assert len(back) == 12 and back["ra"].unit == u.deg
        assert [str(v) for v in back["predicted_class"]] == list(labels)
        assert np.all(back["status"] == "ok") and np.all(back["obsid"] == rows["obsid"])  # as a user reads it
        assert back["proba_STAR"].description == "probability of class STAR"
        assert "declination" in back["dec"].description
    from astropy.io import fits

    with fits.open(tmp_path / "catalogue.fits") as hdul:  # what TOPCAT shows
        hdul.verify("exception")
        header = hdul[1].header
        assert header["EXTNAME"] == "PREDICTIONS" and header["MODELSUM"] == summary.model_checksum
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", header["DATE"])  # FITS: no zone letter
        assert len(header["SOFTWARE"]) > 68 and header["LONGSTRN"] == "OGIP 1.0"  # continued, and said so
        names = list(hdul[1].columns.names)
        ra, star = names.index("ra") + 1, names.index("proba_STAR") + 1
        assert header[f"TUNIT{ra}"] == "deg" and "right ascension" in header[f"TCOMM{ra}"]
        assert header[f"TCOMM{star}"] == "probability of class STAR"
    if shutil.which("fitsverify"):  # HEASARC's verifier, where installed (CI installs it)
        result = subprocess.run(["fitsverify", "-q", str(tmp_path / "catalogue.fits")], capture_output=True,
                                text=True)
        assert result.returncode == 0 and "verification OK" in result.stdout, result.stdout
    import pandas as pd
    import pyarrow.parquet as pq

    assert len(pd.read_parquet(tmp_path / "catalogue.parquet")) == 12
    assert pq.read_table(tmp_path / "catalogue.parquet").num_rows == 12
    with pytest.raises(ValueError, match="exists"):
        merge_predictions(out, tmp_path / "catalogue.fits")


def test_a_model_without_predict_proba_gives_classes_only_and_says_so_once(tmp_path):
    folder = tmp_path / "dr"
    folder.mkdir()
    spectra, labels = _lamost_files(folder, n=6)
    grid = np.linspace(4000, 7500, 100) * u.AA
    model = make_pipeline(Resample(grid), FluxNorm(), ToArray(), SVC()).fit(spectra, labels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        predict_files(model, str(folder / "spec-*"), tmp_path / "out", shard_size=2, progress=False)
    said = [w for w in caught if "no predict_proba" in str(w.message)]
    assert len(said) == 1
    rows = read_predictions(tmp_path / "out")
    assert list(rows["predicted_class"]) == list(labels)
    assert not [name for name in rows.colnames if name.startswith("proba_") or name == "max_proba"]


def test_cli_version_info_merge_exit_status_and_one_line_errors(tmp_path, capsys):
    folder = tmp_path / "dr"
    folder.mkdir()
    spectra, labels = _lamost_files(folder, n=6)
    model = make_pipeline(Resample(np.linspace(4000, 7500, 100) * u.AA), FluxNorm(), ToArray(),
                          CalibratedClassifierCV(SVC(), cv=2, ensemble=False)).fit(spectra, labels)
    save_model(model, tmp_path / "model.safetensors")
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("astrospecml ")
    assert main(["info", str(tmp_path / "model.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "Resample -> FluxNorm -> ToArray -> CalibratedClassifierCV" in out
    assert "GALAXY, STAR" in out and "100 pixels" in out
    assert main(["predict", str(tmp_path / "model.safetensors"), str(folder / "spec-*"), "--output",
                 str(tmp_path / "out"), "--no-progress"]) == 0
    assert main(["merge", str(tmp_path / "out"), str(tmp_path / "cat.fits")]) == 0
    assert len(Table.read(tmp_path / "cat.fits")) == 6
    capsys.readouterr()
    (tmp_path / "junk.fits").write_text("junk")
    assert main(["predict", str(tmp_path / "model.safetensors"), str(tmp_path / "junk.fits"), "--output",
                 str(tmp_path / "junk"), "--no-progress"]) == 1  # nothing classified
    assert "no file could be classified" in capsys.readouterr().err
    for argv in (["predict", str(tmp_path / "missing.safetensors"), str(folder / "spec-*"), "--output",
                  str(tmp_path / "x")],
                 ["predict", str(tmp_path / "model.safetensors"), str(tmp_path / "nothing-*.fits"), "--output",
                  str(tmp_path / "x")],
                 ["info", str(tmp_path / "junk.fits")],
                 ["merge", str(tmp_path / "nowhere"), str(tmp_path / "c.fits")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"astrospecml {argv[0]}: error: ") and err.count("\n") == 1, err
    # The retry message names the CLI flag too.
    assert main(["predict", str(tmp_path / "model.safetensors"), str(folder / "spec-000*"), "--output",
                 str(tmp_path / "out"), "--no-progress"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_help_is_plain_text():
    result = subprocess.run([sys.executable, "-m", "astrospecml.cli", "predict", "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "``" not in result.stdout and "astrospecml merge" in result.stdout


def test_spectra_of_a_class_the_model_never_saw_are_flagged_out_of_distribution(tmp_path):
    """An M+L model calls a T dwarf M or L; its out-of-distribution score says not to trust that."""
    from astrospecml.novelty import DistanceToTraining

    spex = load_spex_prism(target="spectral_class")
    sources = np.unique(spex.groups)
    is_test = np.isin(spex.groups, sources[::4])
    known = np.flatnonzero(~is_test & np.isin(spex.target, ["M", "L"]))[::3]  # a third: quicker, as telling
    model = DistanceToTraining(make_pipeline(Resample(NIR_GRID, method="linear"), BadPixelImputer(), FluxNorm(),
                                             ToArray(), KNeighborsClassifier(5)), random_state=0)
    model.fit([spex.data[i] for i in known], spex.target[known])
    held_out = np.flatnonzero(is_test & np.isin(spex.target, ["M", "L"]))[::2]
    unseen = np.flatnonzero(is_test & (spex.target == "T"))
    assert np.mean(model.ood_score([spex.data[i] for i in held_out]) > 1) < 0.12  # ~5% by construction
    assert np.mean(model.ood_score([spex.data[i] for i in unseen]) > 1) > 0.7
    save_model(model, tmp_path / "model.safetensors")
    paths = []
    for i in list(held_out[:5]) + list(unseen[:5]):
        spectrum = spex.data[i]
        Spectrum(flux=spectrum.flux.value * u.Jy, spectral_axis=spectrum.spectral_axis).write(
            tmp_path / f"s{i:04d}.fits", format="tabular-fits")
        paths.append(str(tmp_path / f"s{i:04d}.fits"))
    predict_files(tmp_path / "model.safetensors", paths, tmp_path / "out", reader_format="tabular-fits",
                  progress=False)
    rows = read_predictions(tmp_path / "out")
    assert set(rows["predicted_class"]) <= {"M", "L"}  # the classifier cannot say T
    assert rows["ood_flag"][5:].sum() >= 3 and rows["ood_flag"][:5].sum() <= 1
    np.testing.assert_array_equal(rows["ood_flag"], rows["ood_score"] > 1)
    assert "distance to the training spectra" in rows["ood_score"].description


def test_table_io_names_the_formats_it_writes_when_given_another(tmp_path):
    from astrospecml.io import read_table, write_table

    with pytest.raises(ValueError, match=r"table_format must be one of \['ecsv', 'fits', 'parquet', 'votable'\]"):
        write_table(Table({"a": [1]}), tmp_path / "t.csv", "csv")
    with pytest.raises(ValueError, match="got 'csv'"):
        read_table(tmp_path / "t.csv", "csv")
