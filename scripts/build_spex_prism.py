"""Build ``astrospecml/datasets/data/spex_prism.fits`` from the splat wheel.

The SpeX Prism Library (Burgasser 2014) is shipped by the MIT-licensed PyPI
package ``splat``.  This script reads the public SpeX prism spectra and the
library's metadata tables from the wheel and writes one compact FITS file that
``astrospecml.datasets.load_spex_prism`` reads offline.  It is kept in the
repository so the shipped file can be rebuilt and audited::

    pip download --no-deps splat==1.14 -d /tmp/splat
    python scripts/build_spex_prism.py /tmp/splat/splat-1.14-py3-none-any.whl

What the derived file holds
---------------------------
* HDU ``META``: one row per kept spectrum (``QUALITY_FLAG == 'OK'`` and a
  parseable SpeX type), with the spectrum's pixel ``OFFSET`` and ``NPIX`` into
  the ``PIXELS`` table.
* HDU ``PIXELS``: a 3 x N image of wavelength (micron), flux and 1-sigma
  uncertainty of every kept spectrum, concatenated, float32, losslessly
  tile-compressed; HDU ``MASK``: the matching bad-pixel mask (1 = bad).
* HDU ``LICENSE``: splat's MIT copyright notice, as required for a derived work.

Flux is normalised by each spectrum's median flux in 1.25-1.30 micron (the J
peak, present in every M/L/T dwarf), because the library mixes flux units
(W m-2 um-1, erg s-1 cm-2 A-1 and unlabelled relative flux); the factor and the
original unit are kept in ``FLUX_SCALE`` and ``FLUX_UNIT``.
"""
import argparse
import csv
import gzip
import io
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

SPECTRA_DIR = "splat/resources/Spectra/Public/SPEX-PRISM/"
TYPE_RE = re.compile(r"^(?P<prefix>sd|esd|usd|d/sd)?(?P<cls>[MLTY])(?P<sub>\d(?:\.\d)?)")
CLASS_ZERO = {"M": 10, "L": 20, "T": 30, "Y": 40}
NORM_WINDOW_UM = (1.25, 1.30)

META_COLUMNS = [
    # (output name, source table, source column, kind)
    ("DATA_KEY", "spec", "DATA_KEY", int),
    ("SOURCE_KEY", "spec", "SOURCE_KEY", int),
    ("NAME", "src", "NAME", str),
    ("DESIGNATION", "src", "DESIGNATION", str),
    ("RA", "src", "RA", float),
    ("DEC", "src", "DEC", float),
    ("OBSERVATION_DATE", "spec", "OBSERVATION_DATE", str),
    ("RESOLUTION", "spec", "RESOLUTION", float),
    ("SPEX_TYPE", "spec", "SPEX_TYPE", str),
    ("OPT_TYPE", "src", "OPT_TYPE", str),
    ("NIR_TYPE", "src", "NIR_TYPE", str),
    ("LIT_TYPE", "src", "LIT_TYPE", str),
    ("MEDIAN_SNR", "spec", "MEDIAN_SNR", float),
    ("QUALITY_FLAG", "spec", "QUALITY_FLAG", str),
    ("SPEX_GRAVITY_CLASS", "spec", "SPEX_GRAVITY_CLASSIFICATION", str),
    ("GRAVITY_CLASS_OPTICAL", "src", "GRAVITY_CLASS_OPTICAL", str),
    ("GRAVITY_CLASS_NIR", "src", "GRAVITY_CLASS_NIR", str),
    ("LUMINOSITY_CLASS", "src", "LUMINOSITY_CLASS", str),
    ("METALLICITY_CLASS", "src", "METALLICITY_CLASS", str),
    ("BINARY", "src", "BINARY", str),
    ("SBINARY", "src", "SBINARY", str),
    ("J_2MASS", "src", "J_2MASS", float),
    ("J_2MASS_E", "src", "J_2MASS_E", float),
    ("H_2MASS", "src", "H_2MASS", float),
    ("H_2MASS_E", "src", "H_2MASS_E", float),
    ("KS_2MASS", "src", "KS_2MASS", float),
    ("KS_2MASS_E", "src", "KS_2MASS_E", float),
    ("BIBCODE", "spec", "BIBCODE", str),
    ("DISCOVERY_REFERENCE", "src", "DISCOVERY_REFERENCE", str),
    ("OPT_TYPE_REF", "src", "OPT_TYPE_REF", str),
    ("NIR_TYPE_REF", "src", "NIR_TYPE_REF", str),
]


def parse_spectral_type(text):
    """Numeric subtype (M0=10, L0=20, T0=30, Y0=40) of a type string, or NaN."""
    match = TYPE_RE.match(text.strip())
    if match is None:
        return np.nan
    return CLASS_ZERO[match["cls"]] + float(match["sub"])


def read_spex_fits(payload):
    """Wavelength, flux, uncertainty and bad-pixel mask from one SpeX FITS file.

    The library's files come in several layouts: (3, N) rows of wavelength,
    flux and noise; (4, N) with a flag row; the transpose (N, 3); (2, N) with no
    noise row; and (2, 3, N) whose first plane is the spectrum.
    """
    with fits.open(io.BytesIO(payload)) as hdul:
        data = np.asarray(hdul[0].data, dtype=np.float64)
    if data.ndim == 3:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f"unexpected SpeX array of shape {data.shape}")
    if data.shape[0] > data.shape[1]:
        data = data.T
    wave, flux = data[0], data[1]
    noise = data[2] if data.shape[0] > 2 else np.full_like(flux, np.nan)
    flags = data[3] if data.shape[0] > 3 else np.zeros_like(flux)
    order = np.argsort(wave)
    wave, flux, noise, flags = wave[order], flux[order], noise[order], flags[order]
    keep = np.isfinite(wave)
    wave, flux, noise, flags = wave[keep], flux[keep], noise[keep], flags[keep]
    mask = ~np.isfinite(flux) | (flags != 0)
    if data.shape[0] > 2:
        mask |= ~np.isfinite(noise) | (noise <= 0)
    return wave, flux, noise, mask


def flux_unit(header_payload):
    with fits.open(io.BytesIO(header_payload)) as hdul:
        return str(hdul[0].header.get("YUNITS", "") or "").strip()


def main(wheel):
    with zipfile.ZipFile(wheel) as zf:
        def read_csv(name):
            text = zf.read(f"splat/db/{name}").decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text)))

        spectra = read_csv("spectral_data.csv")
        sources = {row["SOURCE_KEY"]: row for row in read_csv("source_data.csv")}
        licence = zf.read("splat-1.14.dist-info/licenses/LICENSE").decode()
        names = set(zf.namelist())

        rows, waves, fluxes, noises, masks = [], [], [], [], []
        skipped = {"quality": 0, "type": 0, "file": 0, "norm": 0}
        for spec in spectra:
            if spec["QUALITY_FLAG"] != "OK":
                skipped["quality"] += 1
                continue
            subtype = parse_spectral_type(spec["SPEX_TYPE"])
            if not np.isfinite(subtype):
                skipped["type"] += 1
                continue
            path = SPECTRA_DIR + spec["DATA_FILE"] + ".gz"
            if path not in names:
                skipped["file"] += 1
                continue
            payload = gzip.decompress(zf.read(path))
            wave, flux, noise, mask = read_spex_fits(payload)
            window = (wave >= NORM_WINDOW_UM[0]) & (wave <= NORM_WINDOW_UM[1]) & ~mask
            scale = np.median(flux[window]) if window.any() else np.nan
            if not np.isfinite(scale) or scale <= 0:
                skipped["norm"] += 1
                continue
            src = sources.get(spec["SOURCE_KEY"], {})
            row = {}
            for out, table, col, kind in META_COLUMNS:
                value = (spec if table == "spec" else src).get(col, "")
                if kind is str:
                    row[out] = value.strip()
                else:
                    try:
                        row[out] = kind(value)
                    except ValueError:
                        row[out] = -1 if kind is int else np.nan
            row["SUBTYPE"] = subtype
            row["OPT_SUBTYPE"] = parse_spectral_type(row["OPT_TYPE"])
            row["NIR_SUBTYPE"] = parse_spectral_type(row["NIR_TYPE"])
            row["FLUX_SCALE"] = scale
            row["FLUX_UNIT"] = flux_unit(payload)
            row["NPIX"] = len(wave)
            rows.append(row)
            waves.append(wave)
            fluxes.append(flux / scale)
            noises.append(noise / scale)
            masks.append(mask)

    meta = Table(rows=rows, names=list(rows[0]))
    meta["OFFSET"] = np.concatenate([[0], np.cumsum(meta["NPIX"])[:-1]])
    # Lossless tile compression with byte shuffling (GZIP_2) stores float32
    # spectra in about two thirds of the space plain gzip needs.
    pixels = np.vstack([np.concatenate(a) for a in (waves, fluxes, noises)]).astype(np.float32)
    tiles = dict(quantize_level=0.0, tile_shape=(1, 100_000))
    pix_hdu = fits.CompImageHDU(pixels, name="PIXELS", compression_type="GZIP_2", **tiles)
    pix_hdu.header["ROW1"] = ("WAVELENGTH", "micron")
    pix_hdu.header["ROW2"] = ("FLUX", "normalised flux density")
    pix_hdu.header["ROW3"] = ("UNCERTAINTY", "1-sigma, same scale as FLUX")
    mask_hdu = fits.CompImageHDU(
        np.concatenate(masks).astype(np.uint8)[None, :], name="MASK", compression_type="GZIP_1", **tiles
    )
    meta_hdu = fits.BinTableHDU(meta, name="META")
    meta_hdu.header["ORIGIN"] = "splat 1.14 (SpeX Prism Library, Burgasser 2014)"
    meta_hdu.header["NORMWIN"] = (f"{NORM_WINDOW_UM[0]}-{NORM_WINDOW_UM[1]}", "um")
    licence_hdu = fits.BinTableHDU(Table({"LINE": licence.splitlines()}), name="LICENSE")
    out = Path(__file__).resolve().parents[1] / "astrospecml/datasets/data/spex_prism.fits"
    fits.HDUList([fits.PrimaryHDU(), meta_hdu, pix_hdu, mask_hdu, licence_hdu]).writeto(out, overwrite=True)
    print(f"kept {len(meta)} spectra, skipped {skipped}; wrote {out} "
          f"({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", help="path to splat-1.14-py3-none-any.whl")
    main(parser.parse_args().wheel)
    sys.exit(0)
