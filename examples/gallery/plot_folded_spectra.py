"""
Spectra folded into images
==========================

The EMCCNN paper interpolates each spectrum to 5,000 pixels and folds it
row-major into a 50 x 100 image, so that 2D networks can read it.
`~astrospecml.preprocessing.Fold2D` does the folding in a pipeline; row ``i``
holds pixels ``100 i`` to ``100 i + 99``.
"""
import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from astrospecml.datasets import load_spex_prism
from astrospecml.preprocessing import (
    BadPixelImputer,
    FluxNorm,
    Fold2D,
    QuadraticInterpolate,
    Resample,
)

spex = load_spex_prism(target="spectral_class")
chain = make_pipeline(Resample(np.linspace(0.9, 2.4, 300) * u.um, method="linear"), BadPixelImputer(),
                      FluxNorm(), QuadraticInterpolate(5000), Fold2D(shape=(50, 100)))
fig, axes = plt.subplots(2, 3, figsize=(11, 5), gridspec_kw={"height_ratios": [1, 2]})
for column, spectral_class in enumerate("MLT"):
    index = int(np.flatnonzero(spex.target == spectral_class)[0])
    image = chain.fit_transform([spex.data[index]])[0]
    axes[0, column].plot(image.ravel(), lw=0.6)
    axes[0, column].set_title(f"{spex.meta['SPEX_TYPE'][index]}: 5,000 pixels")
    axes[1, column].imshow(image, aspect="auto", cmap="viridis")
    axes[1, column].set_xlabel("column")
    axes[1, column].set_ylabel("row")
fig.tight_layout()
