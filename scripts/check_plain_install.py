"""Check that a plain ``pip install astrospecml`` (no extras) takes a folder of files to a catalogue.

Run by ``.ci/run`` in a venv holding only torch and the package: it writes a
few LAMOST files of both layouts, fits and saves a small model, then runs
the console commands ``astrospecml predict`` (default Parquet output) and
``astrospecml merge``, and fails unless every file is classified.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.table import Table
from sklearn.pipeline import make_pipeline
from specutils import Spectrum

from astrospecml.classifiers import DNNClassifier
from astrospecml.io import write_lamost_lrs
from astrospecml.persistence import save_model
from astrospecml.preprocessing import FluxNorm, Resample


def main():
    folder = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(0)
    wave = 10 ** (3.5682 + 1e-4 * np.arange(3909)) * u.AA
    spectra, labels = [], []
    for k in range(8):
        slope = np.linspace(1, 2, wave.size)[:: 1 if k % 2 else -1]
        spectrum = Spectrum(flux=(slope + rng.normal(0, 0.02, wave.size)) * u.Unit("1e-17 erg / (s cm2 AA)"),
                            spectral_axis=wave)
        write_lamost_lrs(spectrum, folder / f"spec-{k}.fits.gz", header={"OBSID": k, "RA": 1.0, "DEC": 2.0},
                         layout="image" if k < 4 else "table")
        spectra.append(spectrum)
        labels.append("red" if k % 2 else "blue")
    model = make_pipeline(Resample(np.linspace(4000, 8500, 128) * u.AA, method="linear"), FluxNorm(),
                          DNNClassifier(hidden_units=(8,), max_epochs=20, random_state=0))
    save_model(model.fit(spectra, labels), folder / "model.safetensors")
    command = [str(Path(sys.executable).with_name("astrospecml"))]
    for arguments in (["predict", str(folder / "model.safetensors"), str(folder / "spec-*"), "--output",
                       str(folder / "out"), "--no-progress"],
                      ["merge", str(folder / "out"), str(folder / "catalogue.parquet")],
                      ["merge", str(folder / "out"), str(folder / "catalogue.fits")]):
        print("+ astrospecml " + " ".join(arguments), flush=True)
        subprocess.run(command + arguments, check=True)
    catalogue = Table.read(folder / "catalogue.fits")
    assert list(catalogue["status"]) == ["ok"] * 8, catalogue["status", "error"]
    print(f"plain install: {len(catalogue)} files classified, catalogue written")


if __name__ == "__main__":
    main()
