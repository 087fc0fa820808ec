"""Classifiers that read each pixel's uncertainty and mask (``uncertainty='weight'`` or ``'channel'``)."""
import astropy.units as u
import numpy as np
import pytest
import torch
from astropy.nddata import StdDevUncertainty
from sklearn.pipeline import make_pipeline
from specutils import Spectrum

from astrospecml.augmentation import SpectrumJitter
from astrospecml.classifiers import CNNClassifier, EMCCNNClassifier
from astrospecml.nn import PlainCNN, UncertaintyChannel
from astrospecml.preprocessing import FluxNorm

GRID = np.linspace(1.0, 2.0, 48) * u.um
TINY = dict(channels=(4, 8), hidden_units=(16,), max_epochs=15, lr=1e-2, batch_size=16, random_state=0,
            validation_fraction=None)


def noisy_band_spectra(n=80, seed=0):
    """Class 1 has an absorption band at pixels 10-17; pixels 30-39 are measured 100 times worse; some masked.

    Returns flux (NaN where masked), 1-sigma uncertainty, mask and labels.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    sigma = np.full((n, 48), 0.02)
    sigma[:, 30:40] = 2.0
    flux = 1.0 + sigma * rng.normal(size=(n, 48))
    flux[y == 1, 10:18] -= 0.4
    mask = np.zeros((n, 48), bool)
    mask[::3, 12:15] = True
    flux[mask] = np.nan
    return flux, sigma, mask, y


def spectra_of(flux, sigma, mask):
    return [Spectrum(flux=f * u.Jy, spectral_axis=GRID, uncertainty=StdDevUncertainty(s), mask=m)
            for f, s, m in zip(flux, sigma, mask)]


@pytest.mark.parametrize("mode", ["weight", "channel"])
def test_masked_pixels_are_accepted_and_their_values_never_reach_the_prediction(mode):
    flux, sigma, mask, y = noisy_band_spectra()
    model = CNNClassifier(uncertainty=mode, **TINY).fit(spectra_of(flux, sigma, mask), y)
    assert model.score(spectra_of(flux, sigma, mask), y) > 0.9
    proba = model.predict_proba(spectra_of(flux, sigma, mask))
    # Whatever a masked pixel holds (NaN, a cosmic ray), the prediction is the same.
    for junk in (1e3, -5.0):
        changed = np.where(mask, junk, flux)
        np.testing.assert_allclose(model.predict_proba(spectra_of(changed, sigma, mask)), proba, atol=1e-6)
    # An array of flux and uncertainty stacked on axis 1 is the same input (NaN uncertainty: masked).
    stacked = np.stack([flux, np.where(mask, np.nan, sigma)], axis=1)
    np.testing.assert_allclose(model.predict_proba(stacked), proba, atol=1e-6)


def test_pixel_weights_follow_the_noise_and_weighting_silences_badly_measured_pixels():
    flux, sigma, mask, y = noisy_band_spectra()
    model = CNNClassifier(uncertainty="weight", **TINY).fit(spectra_of(flux, sigma, mask), y)
    signal = model.pixel_signal_variance_
    # The band's pixels vary between the classes far beyond their noise; the bad stretch does not
    # (its spread beyond the noise is estimated from 80 spectra, so it is small, not zero).
    weight = signal / (signal + sigma[0] ** 2)
    assert weight[10:18].min() > 0.95 and weight[30:40].mean() < 0.15
    # So a change of one sigma there (five times the band's depth) barely moves the probabilities,
    # while filling the band, 20 sigma deep, changes the class.
    proba = model.predict_proba(spectra_of(flux, sigma, mask))
    bumped = flux.copy()
    bumped[:, 30:40] += 2.0
    assert np.abs(model.predict_proba(spectra_of(bumped, sigma, mask)) - proba).max() < 0.05
    filled = flux.copy()
    filled[:, 10:18] = 1.0
    assert (model.predict(spectra_of(filled, sigma, mask)) == 0).all()


def test_uncertainty_flows_through_a_pipeline_and_the_model_file(tmp_path):
    flux, sigma, mask, y = noisy_band_spectra()
    spectra = spectra_of(flux, sigma, mask)
    model = make_pipeline(FluxNorm(), CNNClassifier(uncertainty="channel", **TINY)).fit(spectra, y)
    network = model[-1].net_.module_
    assert isinstance(network, UncertaintyChannel) and isinstance(network.network, PlainCNN)
    model[-1].save(tmp_path / "cnn.safetensors")
    loaded = CNNClassifier.load(tmp_path / "cnn.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(FluxNorm().fit_transform(spectra)),
                                  model.predict_proba(spectra))


def test_folded_input_takes_flux_and_uncertainty_as_two_images():
    flux, sigma, mask, y = noisy_band_spectra()
    images = np.stack([np.nan_to_num(flux, nan=0.0), np.where(mask, np.inf, sigma)], axis=1).reshape(-1, 2, 6, 8)
    model = EMCCNNClassifier(kernel_sizes=(3,), branch_channels=4, encoder_channels=(4,), hidden_units=(8,),
                             max_epochs=2, random_state=0, uncertainty="channel").fit(images, y)
    assert model.input_shape_ == (6, 8) and model.n_features_in_ == 6
    assert model.predict_proba(images).shape == (80, 2)


def test_the_mixer_starts_at_zero_so_training_starts_from_the_plain_network():
    torch.manual_seed(0)
    wrapped = UncertaintyChannel(3, (32,), PlainCNN, {"channels": (4,)}).eval()
    x = torch.randn(5, 2, 32)
    torch.testing.assert_close(wrapped(x), wrapped.network(x[:, 0]))
    with pytest.raises(ValueError, match=r"shape \(n, 2, ...\)"):
        wrapped(torch.randn(5, 32))


def test_input_without_uncertainties_and_impossible_combinations_are_refused():
    flux, sigma, mask, y = noisy_band_spectra()
    clf = CNNClassifier(uncertainty="weight", **TINY)
    with pytest.raises(ValueError, match=r"array of shape \(n, 2, n_pixels\)"):
        clf.fit(np.nan_to_num(flux), y)
    with pytest.raises(ValueError, match="carry uncertainties; these have none"):
        clf.fit([Spectrum(flux=f * u.Jy, spectral_axis=GRID) for f in np.nan_to_num(flux)], y)
    empty = mask.copy()
    empty[4] = True
    with pytest.raises(ValueError, match=r"1 spectra have no measured pixel \(first: index 4\)"):
        clf.fit(spectra_of(flux, sigma, empty), y)
    unknown = sigma.copy()
    unknown[4] = np.nan
    with pytest.raises(ValueError, match="1 of them carry no uncertainty at all"):
        clf.fit(spectra_of(flux, unknown, mask), y)
    with pytest.raises(ValueError, match="multi-arm input takes uncertainty=None"):
        clf.fit({"blue": np.nan_to_num(flux), "red": np.nan_to_num(flux)}, y)
    with pytest.raises(ValueError, match="augment works on one channel"):
        CNNClassifier(uncertainty="channel", augment=SpectrumJitter(), **TINY).fit(spectra_of(flux, sigma, mask), y)
