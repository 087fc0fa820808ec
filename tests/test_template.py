"""TemplateMatchClassifier: the chi-square baseline, weighted, masked, banded, with learned or given templates."""
import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import StdDevUncertainty
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from specutils import Spectrum

from astrospecml.classifiers import TemplateMatchClassifier
from astrospecml.persistence import load_model, save_model
from astrospecml.preprocessing import FluxNorm

GRID = np.linspace(0.9, 2.4, 60) * u.um
#: The pixels of 0.9-1.4 um, where the two classes below differ.
BLUE = GRID.value <= 1.4


def _two_classes(n=40, seed=0, red_noise=0.0, blue_noise=0.02):
    """Class 'A' has a dip in the blue band, 'B' none; the red band carries only noise of ``red_noise``."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["A", "B"], n // 2)
    flux = np.ones((n, GRID.size))
    flux[y == "A"] -= 0.3 * np.exp(-0.5 * ((GRID.value - 1.15) / 0.08) ** 2)
    sigma = np.where(BLUE, blue_noise, red_noise or blue_noise) * np.ones((n, 1))
    flux += rng.normal(size=flux.shape) * sigma
    scale = rng.uniform(0.5, 5.0, (n, 1))  # any flux scale: the fit scales the template
    return flux * scale, sigma * scale, y


def _spectra(flux, sigma=None, mask=None):
    return [Spectrum(flux=f * u.Jy, spectral_axis=GRID,
                     uncertainty=None if sigma is None else StdDevUncertainty(s),
                     mask=None if mask is None else m)
            for f, s, m in zip(flux, sigma if sigma is not None else flux, mask if mask is not None else flux)]


def test_uncertainties_weight_the_fit():
    """Where the red band is noisy and the spectra say so, weighting recovers the class from the blue band."""
    X_train, _, y_train = _two_classes(seed=0)
    flux, sigma, y = _two_classes(n=200, seed=2, red_noise=2.0)  # a noisy red band, and its uncertainty
    clf = TemplateMatchClassifier().fit(_spectra(X_train), y_train)
    weighted = clf.score(_spectra(flux, sigma), y)
    unweighted = clf.score(_spectra(flux), y)
    assert weighted > 0.95 and weighted > unweighted + 0.2, (weighted, unweighted)


def test_masked_pixels_do_not_count():
    X, _, y = _two_classes()
    clf = TemplateMatchClassifier().fit(_spectra(X), y)
    mask = np.zeros(X.shape, bool)
    mask[:, 40:45] = True
    garbage = X.copy()
    garbage[:, 40:45] = 1e6
    chi2_clean, _ = clf.chi_square(_spectra(X, mask=mask))
    chi2_garbage, _ = clf.chi_square(_spectra(garbage, mask=mask))
    np.testing.assert_allclose(chi2_garbage, chi2_clean)
    assert clf.score(_spectra(garbage, mask=mask), y) == clf.score(_spectra(X), y)


def test_the_band_can_be_chosen_by_cross_validation():
    X, _, y = _two_classes(n=80, seed=3, red_noise=0.5)
    whole = TemplateMatchClassifier(input_grid=GRID)
    search = GridSearchCV(whole, {"band": [None, (0.9 * u.um, 1.4 * u.um), (1.5 * u.um, 2.4 * u.um)]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["band"] == (0.9 * u.um, 1.4 * u.um)
    X_test, _, y_test = _two_classes(n=200, seed=4, red_noise=0.5)
    assert search.score(X_test, y_test) > whole.fit(X, y).score(X_test, y_test)
    np.testing.assert_array_equal(search.best_estimator_.band_mask_, BLUE)


def test_given_standards_define_the_classes():
    X, _, y = _two_classes()
    dip = 1 - 0.3 * np.exp(-0.5 * ((GRID.value - 1.15) / 0.08) ** 2)
    clf = TemplateMatchClassifier(templates={"A": dip, "B": np.ones(GRID.size)}).fit(X[:4], y[:4])
    np.testing.assert_array_equal(clf.classes_, ["A", "B"])
    assert clf.score(X, y) == 1.0
    with pytest.raises(ValueError, match=r"classes \['C'\], which have no template"):
        TemplateMatchClassifier(templates={"A": dip, "B": dip}).fit(X[:2], ["A", "C"])
    with pytest.raises(ValueError, match="must be 60 finite values"):
        TemplateMatchClassifier(templates={"A": dip[:10], "B": dip}).fit(X, y)
    standard = Spectrum(flux=dip * u.Jy, spectral_axis=GRID)
    fitted = TemplateMatchClassifier(templates={"A": standard, "B": np.ones(GRID.size)}).fit(_spectra(X), y)
    assert fitted.score(_spectra(X), y) == 1.0



def test_standards_with_gaps_learn_the_missing_classes_from_the_training_spectra():
    """Standards for some classes, learned templates for the rest (the SpeX standards lack M0, M2, M4, M5)."""
    X, _, y = _two_classes()
    y = np.where(np.arange(len(y)) % 2 == 0, y, np.char.add(y, "2"))  # A, A2, B, B2
    dip = 1 - 0.3 * np.exp(-0.5 * ((GRID.value - 1.15) / 0.08) ** 2)
    standards = {"A": dip, "B": np.ones(GRID.size)}
    with pytest.raises(ValueError, match=r"\['A2', 'B2'\], which have no template; set learn_missing=True"):
        TemplateMatchClassifier(templates=standards).fit(X, y)
    clf = TemplateMatchClassifier(templates=standards, learn_missing=True).fit(X, y)
    learned = TemplateMatchClassifier().fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["A", "A2", "B", "B2"])
    np.testing.assert_array_equal(clf.templates_[[0, 2]], [dip, np.ones(GRID.size)])  # the standards, as given
    np.testing.assert_allclose(clf.templates_[[1, 3]], learned.templates_[[1, 3]])  # the others, as learned
    with pytest.raises(ValueError, match="one class"):
        TemplateMatchClassifier(templates={"A": dip}, learn_missing=True).fit(X[y == "A"], y[y == "A"])


def test_probabilities_follow_the_chi_square_differences():
    X, sigma, y = _two_classes(n=60, seed=5, blue_noise=0.1)  # noisy enough that some spectra are ambiguous
    clf = TemplateMatchClassifier().fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    chi2, scale = clf.chi_square(X)
    assert np.all(scale > 0)
    # The class with the larger chi-square is the less probable, by exp(-delta/2) in rescaled units.
    reduced = chi2.min(axis=1) / (GRID.size - 1)
    ambiguous = np.all(proba > 1e-6, axis=1)
    assert ambiguous.sum() >= 5
    expected = -(chi2[:, 0] - chi2[:, 1]) / (2 * reduced)
    np.testing.assert_allclose(np.log(proba[ambiguous, 0] / proba[ambiguous, 1]), expected[ambiguous], rtol=1e-6)


def test_clear_errors():
    X, _, y = _two_classes()
    with pytest.raises(ValueError, match="at least two classes"):
        TemplateMatchClassifier().fit(X, np.repeat("A", len(X)))
    with pytest.raises(ValueError, match="band needs the wavelength"):
        TemplateMatchClassifier(band=(0.9 * u.um, 1.4 * u.um)).fit(X, y)
    with pytest.raises(ValueError, match="holds 0 pixels"):
        TemplateMatchClassifier(band=(3 * u.um, 4 * u.um), input_grid=GRID).fit(X, y)
    clf = TemplateMatchClassifier().fit(_spectra(X), y)
    other = [Spectrum(flux=f * u.Jy, spectral_axis=GRID * 1.1) for f in X[:2]]
    with pytest.raises(ValueError, match="different wavelength grid"):
        clf.predict(other)
    nan = X.copy()
    nan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or inf flux.*BadPixelImputer"):
        clf.predict(nan)


def test_a_pipeline_with_a_band_saves_and_predicts_identically(tmp_path):
    X, sigma, y = _two_classes()
    model = make_pipeline(FluxNorm(), TemplateMatchClassifier(band=(0.9 * u.um, 1.4 * u.um)))
    model.fit(_spectra(X, sigma), y)
    save_model(model, tmp_path / "template.safetensors")
    loaded = load_model(tmp_path / "template.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(_spectra(X, sigma)), model.predict_proba(_spectra(X, sigma)))
    assert loaded[-1].band == model[-1].band


# -- the standards routine: each spectrum on its own pixels ---------------------------------------

def _standards():
    dip = 1 - 0.3 * np.exp(-0.5 * ((GRID.value - 1.15) / 0.08) ** 2)
    return {"A": Spectrum(flux=dip * u.Jy, spectral_axis=GRID),
            "B": Spectrum(flux=np.ones(GRID.size) * u.Jy, spectral_axis=GRID)}


def test_native_sampling_compares_each_spectrum_on_its_own_pixels_whatever_its_grid():
    standards = _standards()
    rng = np.random.default_rng(1)
    spectra, labels = [], []
    for k in range(20):  # each on another grid, coarser or finer, in nm or um, some red to blue
        wave = np.sort(rng.uniform(0.85, 2.5, rng.integers(30, 200)))
        label = "AB"[k % 2]
        flux = np.interp(wave, GRID.value, standards[label].flux.value) * rng.uniform(0.5, 5)
        flux += rng.normal(0, 0.01, wave.size)
        axis = wave * u.um if k % 3 else (wave * u.um).to(u.nm)
        order = slice(None, None, -1) if k % 4 == 0 else slice(None)
        spectra.append(Spectrum(flux=flux[order] * u.Jy, spectral_axis=axis[order] if k % 4 else axis,
                                uncertainty=StdDevUncertainty(np.full(wave.size, 0.01))) if k % 4 else
                       Spectrum(flux=flux * u.Jy, spectral_axis=axis, uncertainty=StdDevUncertainty(
                           np.full(wave.size, 0.01))))
        labels.append(label)
    clf = TemplateMatchClassifier(standards, sampling="native", band=(0.9 * u.um, 1.4 * u.um)).fit(spectra, labels)
    assert clf.score(spectra, labels) == 1.0
    # A spectrum that is a standard, on the standard's own grid, fits it exactly at its own scale.
    chi2, scale = clf.chi_square([Spectrum(flux=3 * standards["A"].flux, spectral_axis=GRID)])
    np.testing.assert_allclose([chi2[0, 0], scale[0, 0]], [0.0, 3.0], atol=1e-9)
    assert chi2[0, 1] > 0


def test_native_sampling_weights_by_the_spectrums_uncertainty_and_leaves_out_bad_pixels():
    standards = _standards()
    flux = np.interp(GRID.value, GRID.value, standards["A"].flux.value) * 2.0
    sigma = np.full(GRID.size, 0.01)
    clf = TemplateMatchClassifier(standards, sampling="native").fit([standards["A"], standards["B"]], ["A", "B"])
    # The weighted least-squares fit, by hand: standards interpolated onto the spectrum's own pixels.
    rng = np.random.default_rng(3)
    wave = np.sort(rng.uniform(1.0, 2.3, 80))
    own = rng.uniform(0.5, 2.0, wave.size)
    own_sigma = rng.uniform(0.01, 0.5, wave.size)
    spectrum = Spectrum(flux=own * u.Jy, spectral_axis=wave * u.um, uncertainty=StdDevUncertainty(own_sigma))
    weight = 1 / own_sigma**2
    for k, label in enumerate("AB"):
        t = np.interp(wave, GRID.value, standards[label].flux.value)
        a = np.sum(weight * own * t) / np.sum(weight * t**2)
        np.testing.assert_allclose(clf.chi_square([spectrum])[0][0, k], np.sum(weight * (own - a * t) ** 2), rtol=1e-10)
    # Non-positive and masked pixels count as no measurement: the same chi-square as without them.
    broken = flux.copy()
    broken[[5, 6]] = [0.0, -3.0]
    mask = np.zeros(GRID.size, bool)
    mask[7] = True
    broken[7] = 1e6
    with_bad = Spectrum(flux=broken * u.Jy, spectral_axis=GRID, uncertainty=StdDevUncertainty(sigma), mask=mask)
    keep = np.ones(GRID.size, bool)
    keep[[5, 6, 7]] = False
    without = Spectrum(flux=flux[keep] * u.Jy, spectral_axis=GRID[keep], uncertainty=StdDevUncertainty(sigma[keep]))
    np.testing.assert_allclose(clf.chi_square([with_bad])[0], clf.chi_square([without])[0], rtol=1e-12)


def test_a_spectrum_without_uncertainty_is_compared_with_one_constant_uncertainty():
    """Not left out (every chi-square zero, the first class), nor weighted by anything but its flux."""
    standards = _standards()
    clf = TemplateMatchClassifier(standards, sampling="native").fit([standards["A"], standards["B"]], ["A", "B"])
    flux = 0.7 * standards["B"].flux.value + np.random.default_rng(0).normal(0, 0.01, GRID.size)
    bare = Spectrum(flux=flux * u.Jy, spectral_axis=GRID)
    nan_sigma = Spectrum(flux=flux * u.Jy, spectral_axis=GRID, uncertainty=StdDevUncertainty(np.full(GRID.size,
                                                                                                    np.nan)))
    constant = Spectrum(flux=flux * u.Jy, spectral_axis=GRID, uncertainty=StdDevUncertainty(np.ones(GRID.size)))
    expected = clf.chi_square([constant])[0]
    for spectrum in (bare, nan_sigma):
        np.testing.assert_allclose(clf.chi_square([spectrum])[0], expected)
        assert clf.predict([spectrum]) == ["B"]
    # The same on a common grid.
    common = TemplateMatchClassifier({"A": standards["A"].flux.value, "B": standards["B"].flux.value}).fit(
        [standards["A"], standards["B"]], ["A", "B"])
    assert common.predict([nan_sigma]) == ["B"]
    np.testing.assert_allclose(common.chi_square([nan_sigma])[0], common.chi_square([constant])[0])


def test_native_sampling_errors_say_what_it_needs():
    standards = _standards()
    with pytest.raises(ValueError, match="dict of at least two Spectrum objects"):
        TemplateMatchClassifier({"A": np.ones(GRID.size), "B": np.ones(GRID.size)}, sampling="native").fit(
            [standards["A"]], ["A"])
    with pytest.raises(ValueError, match="learn_missing needs sampling='common'"):
        TemplateMatchClassifier(standards, sampling="native", learn_missing=True).fit([standards["A"]], ["A"])
    with pytest.raises(ValueError, match="list of Spectrum objects"):
        TemplateMatchClassifier(standards, sampling="native").fit(np.ones((2, GRID.size)), ["A", "B"])
    with pytest.raises(ValueError, match="no standard"):
        TemplateMatchClassifier(standards, sampling="native").fit([standards["A"]], ["C"])
    clf = TemplateMatchClassifier(standards, sampling="native", band=(3 * u.um, 4 * u.um)).fit(
        [standards["A"]], ["A"])
    with pytest.raises(ValueError, match="no good pixel inside the band"):
        clf.predict([standards["A"]])


def test_the_thirty_standards_reproduce_the_librarys_own_subtypes():
    """The routine that assigned the SpeX types, run on the shipped spectra, gives most of them back."""
    from astrospecml.datasets import load_spex_prism, load_spex_standards

    standards = load_spex_standards()
    library = load_spex_prism(target="spex_type")
    others = np.flatnonzero(~np.isin(library.groups, standards.groups))
    sample = np.random.default_rng(0).choice(others, 300, replace=False)
    clf = TemplateMatchClassifier(dict(zip(standards.target.tolist(), standards.data)), sampling="native",
                                  band=(0.9 * u.um, 1.4 * u.um))
    clf.fit(standards.data, standards.target)
    predicted = clf.predict([library.data[i] for i in sample])
    truth = np.floor(library.target[sample]).astype(int)
    assert np.mean(predicted == truth) > 0.85 and np.mean(np.abs(predicted - truth) <= 1) > 0.95


def test_native_probabilities_rescale_by_each_spectrums_own_pixel_count():
    """On the standards' own grid the native comparison gives the common-grid probabilities."""
    standards = _standards()
    rng = np.random.default_rng(2)
    spectra = [Spectrum(flux=(standards["AB"[k % 2]].flux.value * 2 + rng.normal(0, 0.05, GRID.size)) * u.Jy,
                        spectral_axis=GRID, uncertainty=StdDevUncertainty(np.full(GRID.size, 0.05)))
               for k in range(6)]
    native = TemplateMatchClassifier(standards, sampling="native").fit(spectra, list("ABABAB"))
    common = TemplateMatchClassifier({k: s.flux.value for k, s in standards.items()}).fit(spectra, list("ABABAB"))
    proba = native.predict_proba(spectra)
    np.testing.assert_allclose(proba, common.predict_proba(spectra), rtol=1e-9)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(native.classes_[proba.argmax(axis=1)]) == list(native.predict(spectra)) == list("ABABAB")
