"""The shipped pretrained models: each card matches its file, they rebuild, and they classify survey files."""
import json
import shutil

import numpy as np
import pytest

from astrospecml.datasets import in_spectral_order, load_spex_prism
from astrospecml.persistence import ModelFileError, model_info
from astrospecml.pretrained import (
    MODELS_DIR,
    PRETRAINED,
    build_mk_type,
    build_spex_subtype,
    held_out_spectra,
    load_pretrained,
    model_card,
)
from astrospecml.survey import predict_files, read_predictions


@pytest.mark.parametrize("name", PRETRAINED)
def test_each_shipped_model_matches_its_card(name):
    card = model_card(name)
    assert model_info(MODELS_DIR / f"{name}.safetensors")["checksum"] == card["checksum"]
    assert card["command"] == "python benchmarks/build_pretrained.py" and card["date"]
    metrics = card["metrics"]
    assert 0 < metrics["test_accuracy"] <= metrics["test_within_one"] <= 1
    assert sum(b["n"] for b in metrics["by_snr"].values()) <= card["split"]["test_spectra"]
    model = load_pretrained(name)
    assert in_spectral_order([str(c) for c in model.classes_]) == card["classes"]
    if name == "mk-type":
        assert card["classes"] == list("BAFGKM")  # O: three MILES stars, too few
        assert set(card["metrics"]["per_class"]) == set(card["classes"])
        # The strongest classical baseline of the MILES benchmark beside the model, on the same stars.
        versus = card["baseline_comparison"]
        assert versus["test_spectra"] == card["split"]["test_spectra"] and 0.5 < versus["baseline_accuracy"] <= 1
        assert {"grid", "medium", "resolution"} <= set(card)
        return
    assert card["classes"][:11] == [f"M{k}" for k in range(10)] + ["L0"]  # as a person reads them
    # The card sets the routine that assigned the labels beside the model, on the same held-out spectra.
    versus = card["standards_comparison"]
    assert 0 < versus["test_spectra"] <= card["split"]["test_spectra"]
    assert 0.85 < versus["standards_accuracy"] <= versus["standards_within_one"] <= 1
    assert 0 < versus["model_accuracy"] <= versus["model_within_one"] <= 1


def test_a_tiny_rebuild_writes_a_card_that_describes_its_file_and_a_swapped_file_is_refused(tmp_path):
    card = build_spex_subtype(tmp_path, max_epochs=2, subset=400, n_members=2)
    assert json.loads((tmp_path / "spex-subtype.json").read_text()) == card
    assert model_info(tmp_path / "spex-subtype.safetensors")["checksum"] == card["checksum"]
    assert card["split"]["train_spectra"] + card["split"]["test_spectra"] <= 400
    assert card["hyperparameters"]["max_epochs"] == 2
    assert set(card["metrics"]) == {"test_accuracy", "test_within_one", "test_rms_subtype", "by_snr"}
    assert card["standards_comparison"]["test_spectra"] <= card["split"]["test_spectra"]
    model = load_pretrained("spex-subtype", folder=tmp_path)
    assert model[-1].estimator.max_epochs == 2 and len(model[-1].estimators_) == 2
    test = held_out_spectra("spex-subtype", folder=tmp_path)  # the card's own held-out spectra, drawn again
    assert len(test.data) == card["split"]["test_spectra"]
    accuracy = np.mean(model.predict(test.data) == test.target)
    assert accuracy == pytest.approx(card["metrics"]["test_accuracy"])
    shutil.copyfile(MODELS_DIR / "spex-subtype.safetensors", tmp_path / "spex-subtype.safetensors")
    with pytest.raises(ModelFileError, match="not the model its card describes"):
        load_pretrained("spex-subtype", folder=tmp_path)
    with pytest.raises(ValueError, match="no pretrained model"):
        load_pretrained("lamost-everything")


def test_the_shipped_model_classifies_spex_prism_files_through_predict_files(tmp_path):
    spex = load_spex_prism()
    picks = [0, 100, 1000]
    for i in picks:
        spex.data[i].write(tmp_path / f"spex{i}.fits", format="SpeX-prism")
    model = load_pretrained("spex-subtype")
    predict_files(MODELS_DIR / "spex-subtype.safetensors", str(tmp_path / "spex*.fits"), tmp_path / "out",
                  reader_format="SpeX-prism", progress=False)
    rows = read_predictions(tmp_path / "out")
    assert list(rows["status"]) == ["ok"] * 3
    expected = model.predict([spex.data[i] for i in sorted(picks, key=lambda i: f"spex{i}.fits")])
    assert list(rows["predicted_class"]) == list(expected)
    assert np.all((rows["max_proba"] > 1 / len(model.classes_)) & (rows["max_proba"] <= 1))


def test_the_command_line_takes_a_pretrained_model_by_name(tmp_path, capsys):
    from astrospecml.cli import main

    spex = load_spex_prism()
    spex.data[0].write(tmp_path / "one.fits", format="SpeX-prism")
    assert main(["info", "spex-subtype"]) == 0
    out = capsys.readouterr().out
    assert "SeedEnsembleClassifier" in out and "classes (29): M0, M1," in out  # in the spectral sequence
    card = model_card("spex-subtype")
    assert f"exact {card['metrics']['test_accuracy']:.3f}" in out and f"built {card['date']}" in out  # the card
    assert main(["predict", "spex-subtype", str(tmp_path / "one.fits"), "--reader", "SpeX-prism", "--output",
                 str(tmp_path / "out"), "--no-progress"]) == 0
    rows = read_predictions(tmp_path / "out")
    assert list(rows["status"]) == ["ok"]
    probabilities = [name for name in rows.colnames if name.startswith("proba_")]
    assert probabilities == [f"proba_{c}" for c in card["classes"]] and probabilities[10] == "proba_L0"


def test_a_tiny_mk_type_rebuild_scores_its_held_out_stars_as_its_card_says(tmp_path):
    card = build_mk_type(tmp_path, max_epochs=1, subset=150, n_members=1)
    assert json.loads((tmp_path / "mk-type.json").read_text()) == card
    assert card["split"]["train_spectra"] + card["split"]["test_spectra"] <= 150
    model = load_pretrained("mk-type", folder=tmp_path)
    test = held_out_spectra("mk-type", folder=tmp_path)
    assert len(test.data) == card["split"]["test_spectra"]
    assert all(s.meta["wavelength_medium"] == "vacuum" for s in test.data)  # as a survey gives them
    assert np.mean(model.predict(test.data) == test.target) == pytest.approx(card["metrics"]["test_accuracy"])
    assert sum(row["n"] for row in card["metrics"]["per_class"].values()) == card["split"]["test_spectra"]


def test_mk_type_reads_lamost_files_of_both_layouts_and_sdss_files_alike(tmp_path):
    import astropy.units as u
    from astropy.io import fits
    from astropy.nddata import StdDevUncertainty
    from specutils import Spectrum

    from astrospecml.cli import main
    from astrospecml.io import write_lamost_lrs

    test = held_out_spectra("mk-type")
    lamost_wave = 10 ** (3.5682 + 1e-4 * np.arange(3909))
    loglam = 3.5523 + 1e-4 * np.arange(3850)
    for k in range(3):
        star = test.data[k]
        own = star.spectral_axis.to_value(u.AA)
        flux = np.interp(lamost_wave, own, star.flux.value, left=0, right=0)
        sigma = np.where((lamost_wave < own[0]) | (lamost_wave > own[-1]), np.inf, 0.01)
        lamost = Spectrum(flux=flux * u.erg / u.s / u.cm**2 / u.AA, spectral_axis=lamost_wave * u.AA,
                          uncertainty=StdDevUncertainty(sigma))
        for layout in ("image", "table"):
            write_lamost_lrs(lamost, tmp_path / f"spec-{k}-{layout}.fits", header={"OBSID": k}, layout=layout)
        sdss_flux = np.interp(10**loglam, own, star.flux.value, left=0, right=0)
        ivar = np.where((10**loglam < own[0]) | (10**loglam > own[-1]), 0.0, 1e4)
        primary = fits.PrimaryHDU()
        primary.header.update({"TELESCOP": "SDSS 2.5-M", "AIRORVAC": "vac", "VERS2D": "v5_13_0", "FIBERID": 1})
        coadd = fits.BinTableHDU.from_columns([
            fits.Column(name="flux", format="E", array=sdss_flux), fits.Column(name="loglam", format="E", array=loglam),
            fits.Column(name="ivar", format="E", array=ivar),
            fits.Column(name="and_mask", format="J", array=np.zeros(loglam.size, int))], name="COADD")
        fits.HDUList([primary, coadd]).writeto(tmp_path / f"spec-{k}-sdss.fits")
    assert main(["predict", "mk-type", str(tmp_path / "spec-*.fits"), "--output", str(tmp_path / "out"),
                 "--no-progress"]) == 0
    rows = read_predictions(tmp_path / "out").to_pandas().set_index("file")
    assert len(rows) == 9 and set(rows["status"]) == {"ok"}
    in_memory = load_pretrained("mk-type").predict(test.data[:3])
    for k in range(3):
        image, table, sdss = (rows.loc[str(tmp_path / f"spec-{k}-{kind}.fits")] for kind in ("image", "table", "sdss"))
        assert image["predicted_class"] == table["predicted_class"] == sdss["predicted_class"] == in_memory[k]
        assert image["proba_G"] == pytest.approx(table["proba_G"])  # one spectrum, two layouts


def test_mk_type_sees_spectra_as_the_miles_benchmark_that_chose_it_does():
    import astropy.units as u

    from astrospecml.benchmarks.miles.run import FOLD_SHAPE, MILES_GRID, SURVEY_RESOLVING_POWER
    from astrospecml.preprocessing import log_linear_grid, training_grid
    from astrospecml.pretrained import MK_TYPE_FOLD_SHAPE, MK_TYPE_GRID_SPEC, MK_TYPE_RESOLVING_POWER

    low, high, n_pixels = MK_TYPE_GRID_SPEC
    assert u.allclose(log_linear_grid(low * u.AA, high * u.AA, n_pixels), MILES_GRID, rtol=0)
    assert u.allclose(training_grid(load_pretrained("mk-type")), MILES_GRID, rtol=0)
    assert MK_TYPE_RESOLVING_POWER == SURVEY_RESOLVING_POWER and MK_TYPE_FOLD_SHAPE == FOLD_SHAPE


def test_spex_subtype_gives_the_probabilities_it_gave_when_every_step_handed_on_spectrum_objects():
    model = load_pretrained("spex-subtype")
    spectra = list(held_out_spectra("spex-subtype").data[:48])
    expected = spectra
    for step in model[:-1]:
        expected = list(step.transform(expected))
    expected = np.mean([member.predict_proba(expected) for member in model[-1].estimators_], axis=0)
    np.testing.assert_array_equal(model.predict_proba(spectra), expected)
