"""Build ``astrospecml/datasets/data/miles.fits`` from the sdss-mangadap wheel.

The MILES stellar library (Sánchez-Blázquez et al. 2006, MNRAS 371, 703;
Falcón-Barroso et al. 2011, A&A 532, A95) ships, as one FITS file a star
together with the library's parameter table ``paramsMILES_v9.1.txt``, inside
the BSD-3-licensed PyPI package ``sdss-mangadap`` (the MaNGA data analysis
pipeline, Westfall et al. 2019).  This script reads them from the wheel and
writes one compact FITS file that ``astrospecml.datasets.load_miles`` reads
offline.  It is kept in the repository so the shipped file can be rebuilt
and audited::

    pip download --no-deps sdss-mangadap==4.5.0 -d /tmp/mangadap
    python scripts/build_miles.py /tmp/mangadap/sdss_mangadap-4.5.0-py3-none-any.whl

What the derived file holds
---------------------------
* HDU ``META``: one row per star of the parameter table (985), in the order
  of its MILES number: ``MILES_ID``, ``NAME``, ``SPT`` (the literature type
  exactly as the table gives it, blank when it gives none), ``CLUSTER``
  (a cluster member, marked ``Cl`` after the name in the table), ``TEFF``,
  ``LOGG``, ``FEH`` (NaN where the table has ``--``) and ``REFS`` (the
  table's reference codes of the three parameters).  Types are parsed by
  the loader, not here, so that the rule is package code with its tests.
* HDU ``FLUX``: a 985 x 4300 image, row ``i`` the spectrum of ``META`` row
  ``i``: relative flux on the library's common grid, air wavelengths
  3540.5 + 0.9 k Angstrom (``CRVAL1``, ``CDELT1``), 2.5 Angstrom FWHM.  The
  float32 values keep 13 of their 23 mantissa bits (relative rounding below
  6.2e-5, far under the library's noise) so that the image compresses
  (``GZIP_2``) to about 7 MB.  MILES gives no uncertainties.  Star m0970,
  which the mangadap authors set aside (``omit/``: short wavelength range,
  artefact at the red end), is included and flagged ``OMITTED`` in META.
* HDU ``LICENSE``: sdss-mangadap's BSD-3 notice, as required for a derived work.
"""
import argparse
import io
import re
import zipfile

import numpy as np
from astropy.io import fits
from astropy.table import Table

MILES_DIR = "mangadap/data/spectral_templates/miles/"
LICENSE_RE = re.compile(r"sdss_mangadap-[^/]+\.dist-info/licenses/LICENSE(\.md)?$")
#: Mantissa bits dropped from each float32 (23 kept - 10 dropped = 13 kept).
DROPPED_BITS = 10
SPECTRUM_RE = re.compile(r"MILES_res2\.50_star_m(\d{4})V\.fits$")


def parse_parameters(text):
    """Rows of ``paramsMILES_v9.1.txt``: fixed columns for name, number and type, then whitespace-separated ones."""
    rows = []
    for line in text.splitlines()[3:]:
        if not line.strip():
            continue
        teff, logg, feh, refs = line[50:].split()[:4]
        number = line[22:28].strip()
        rows.append({
            "MILES_ID": int(number) if number.isdigit() else -1,
            "NAME": line[:22].strip().removesuffix(" Cl").strip(),
            "CLUSTER": line[:22].strip().endswith(" Cl"),  # a member of a star cluster
            "SPT": line[35:50].strip(),
            "TEFF": float(teff) if teff != "--" else np.nan,
            "LOGG": float(logg) if logg != "--" else np.nan,
            "FEH": float(feh) if feh != "--" else np.nan,
            "REFS": refs,
        })
    # v9.1 prints one number as '022.' (HD 044691A); it is the one number 1-985 the
    # table otherwise lacks, 221, as mangadap's own MILES_params.db places it too.
    garbled = [row for row in rows if row["MILES_ID"] < 0]
    lacking = sorted(set(range(1, len(rows) + 1)) - {row["MILES_ID"] for row in rows})
    if len(garbled) != len(lacking) or len(garbled) > 1:
        raise SystemExit(f"cannot place the MILES numbers of {[row['NAME'] for row in garbled]}")
    for row, number in zip(garbled, lacking):
        row["MILES_ID"] = number
    return rows


def round_mantissa(values, dropped_bits=DROPPED_BITS):
    """float32 values rounded to nearest with ``dropped_bits`` low mantissa bits cleared (compresses losslessly)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    half = np.uint32(1 << (dropped_bits - 1))
    keep = np.uint32((0xFFFFFFFF << dropped_bits) & 0xFFFFFFFF)
    return ((bits + half) & keep).view(np.float32)


def build(wheel, output):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        rows = parse_parameters(archive.read(MILES_DIR + "paramsMILES_v9.1.txt").decode("latin-1"))
        files = {int(m.group(1)): name for name in names if name.startswith(MILES_DIR)
                 and (m := SPECTRUM_RE.search(name))}
        license_text = archive.read(next(name for name in names if LICENSE_RE.search(name))).decode()
        rows.sort(key=lambda row: row["MILES_ID"])
        missing = [row["MILES_ID"] for row in rows if row["MILES_ID"] not in files]
        if missing:
            raise SystemExit(f"no spectrum in the wheel for MILES numbers {missing}")
        flux, grid = [], None
        for row in rows:
            with fits.open(io.BytesIO(archive.read(files[row["MILES_ID"]]))) as hdul:
                header = hdul[0].header
                this = (header["CRVAL1"], header["CDELT1"], header["NAXIS1"], header["CRPIX1"])
                if grid is None:
                    grid = this
                elif this != grid:
                    raise SystemExit(f"m{row['MILES_ID']:04d} is on another grid: {this} != {grid}")
                flux.append(np.asarray(hdul[0].data, dtype=np.float32))
            row["OMITTED"] = "/omit/" in files[row["MILES_ID"]]
    meta = Table(rows)
    image = fits.CompImageHDU(round_mantissa(np.array(flux)), name="FLUX", compression_type="GZIP_2",
                              quantize_level=0)
    crval, cdelt, _, crpix = grid
    image.header.update({"CRVAL1": crval, "CDELT1": cdelt, "CRPIX1": crpix, "CUNIT1": "Angstrom",
                         "CTYPE1": "AWAV", "FWHM": (2.5, "resolution FWHM in Angstrom"),
                         "BUNIT": "relative flux"})
    license_hdu = fits.BinTableHDU(Table({"LINE": license_text.splitlines()}), name="LICENSE")
    primary = fits.PrimaryHDU()
    primary.header["ORIGIN"] = "sdss-mangadap wheel, MILES v9.1; scripts/build_miles.py"
    meta_hdu = fits.table_to_hdu(meta)
    meta_hdu.name = "META"
    fits.HDUList([primary, meta_hdu, image, license_hdu]).writeto(output, overwrite=True)
    print(f"{len(rows)} stars, {np.shape(flux)[1]} pixels each -> {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", help="sdss_mangadap-*.whl")
    parser.add_argument("--output", default="astrospecml/datasets/data/miles.fits")
    args = parser.parse_args(argv)
    build(args.wheel, args.output)


if __name__ == "__main__":
    main()
