"""Tables written and read with their units, column descriptions and metadata, in Parquet, FITS, ECSV or VOTable.

What the survey's shards and catalogues are written with; usable for any
table whose metadata are scalars.
"""
import json

import numpy as np
from astropy.table import Table

__all__ = ["TABLE_FORMATS", "read_table", "write_table"]

#: Each format: astropy's name for it and its file suffix.
TABLE_FORMATS = {"parquet": ("parquet", ".parquet"), "fits": ("fits", ".fits"), "ecsv": ("ascii.ecsv", ".ecsv"),
                 "votable": ("votable", ".vot")}


def write_table(table, path, table_format, *, fits_keywords=None):
    """Write ``table`` with its units, column descriptions and metadata, readable by `read_table`.

    Parameters
    ----------
    table : `~astropy.table.Table`
        The table; ``table.meta`` holds scalars.
    path : str or path-like
        The file, replaced when it exists.
    table_format : {'parquet', 'fits', 'ecsv', 'votable'}
        Parquet through pyarrow (astropy's own header kept, so that
        ``Table.read`` restores units too); FITS with UTF-8 strings, each
        description as ``TCOMMn`` (what TOPCAT shows) and non-ASCII column
        names in Punycode; ECSV and VOTable through astropy.
    fits_keywords : dict or None, default=None
        FITS keyword (8 characters at most) of each ``meta`` key; other keys
        are cut to 8 upper-case characters.

    Examples
    --------
    >>> import os, tempfile
    >>> from astropy.table import Table
    >>> path = os.path.join(tempfile.mkdtemp(), "t.fits")
    >>> write_table(Table({"name": ["Vega"], "proba_A0": [0.9]}, meta={"model_checksum": "sha256:0"}), path,
    ...             "fits", fits_keywords={"model_checksum": "MODELSUM"})
    >>> read_table(path, "fits", fits_keywords={"model_checksum": "MODELSUM"}).meta["model_checksum"]
    'sha256:0'
    """
    _check_format(table_format)
    fits_keywords = fits_keywords or {}
    if table_format == "parquet":  # pyarrow directly: astropy's Parquet support wants pandas too
        import pyarrow as pa
        import pyarrow.parquet as pq

        fields = []
        for name in table.colnames:
            column = table[name]
            info = {"description": column.description or ""}
            if column.unit is not None:
                info["unit"] = column.unit.to_string()
            fields.append(pa.field(name, pa.array(np.asarray(column)).type, metadata=info))
        from astropy.table.meta import get_yaml_from_table

        # Astropy's own header too, so that Table.read(format="parquet") restores units and descriptions.
        metadata = {"astrospecml": json.dumps(dict(table.meta)),
                    "table_meta_yaml": "\n".join(get_yaml_from_table(table))}
        for name in table.colnames:  # astropy's reader sizes fixed-width strings from these
            if table[name].dtype.kind == "U":
                metadata[f"table::len::{name}"] = str(max(table[name].dtype.itemsize // 4, 1))
        schema = pa.schema(fields, metadata=metadata)
        pq.write_table(pa.table({name: np.asarray(table[name]) for name in table.colnames}, schema=schema), path)
    elif table_format == "fits":
        from astropy.io import fits

        # FITS strings are bytes: values are stored as UTF-8, so any file name or class label
        # survives; column names must be ASCII, so a non-ASCII class in ``proba_<class>`` is
        # written in Punycode with IDNA's "xn--" prefix and decoded on reading.
        encoded = Table({_fits_column_name(name): np.char.encode(np.asarray(table[name]), "utf-8")
                         if table[name].dtype.kind == "U" else table[name] for name in table.colnames})
        for name in table.colnames:  # astropy's writer keeps them in header comments it reads back
            encoded[_fits_column_name(name)].description = table[name].description
        encoded.write(path, format="fits", overwrite=True)
        cards = {fits_keywords.get(key, key[:8].upper()): value for key, value in table.meta.items()}
        if isinstance(cards.get("DATE"), str):  # FITS dates are UTC without a zone letter (FITS 4.0, 4.4.2.1)
            cards["DATE"] = cards["DATE"].removesuffix("Z")
        with fits.open(path, mode="update") as hdus:
            header = hdus[1].header
            header["EXTNAME"] = "PREDICTIONS"
            for k, name in enumerate(table.colnames, start=1):  # TOPCAT shows TCOMM as the description
                if table[name].description:  # header cards are ASCII: a class named in UTF-8 is escaped
                    header[f"TCOMM{k}"] = table[name].description.encode("ascii", "backslashreplace").decode()
            if any(isinstance(value, str) and len(value) > 68 for value in cards.values()):
                header["LONGSTRN"] = ("OGIP 1.0", "long strings continue on CONTINUE cards")
            for keyword, value in cards.items():
                header[keyword] = value
    elif table_format == "votable":  # TOPCAT's own format: units and descriptions are part of it
        table.write(path, format="votable", overwrite=True)
    else:
        table.write(path, format=TABLE_FORMATS[table_format][0], overwrite=True)


def _fits_column_name(name):
    return name if name.isascii() else "xn--" + name.encode("punycode").decode("ascii")


def _column_name_from_fits(name):
    return name[4:].encode("ascii").decode("punycode") if name.startswith("xn--") else name


def read_table(path, table_format, *, fits_keywords=None):
    """A table as `write_table` wrote it: strings as text, units, descriptions and metadata restored.

    Parameters
    ----------
    path : str or path-like
        The file.
    table_format : {'parquet', 'fits', 'ecsv', 'votable'}
        Its format.
    fits_keywords : dict or None, default=None
        The ``meta`` key of each FITS keyword `write_table` was given.

    Returns
    -------
    `~astropy.table.Table`

    Examples
    --------
    >>> import os, tempfile
    >>> import astropy.units as u
    >>> from astropy.table import Table
    >>> table = Table({"ra": [10.5] * u.deg, "name": ["Vega"]})
    >>> table["ra"].description = "right ascension"
    >>> path = os.path.join(tempfile.mkdtemp(), "t.parquet")
    >>> write_table(table, path, "parquet")
    >>> back = read_table(path, "parquet")
    >>> back["ra"].unit, back["ra"].description, str(back["name"][0])
    (Unit("deg"), 'right ascension', 'Vega')
    """
    _check_format(table_format)
    fits_keywords = fits_keywords or {}
    if table_format == "parquet":
        import pyarrow.parquet as pq

        data = pq.read_table(path)
        columns = {name: data[name].to_numpy(zero_copy_only=False) for name in data.column_names}
        table = Table({name: values.astype(str) if values.dtype == object else values  # strings: not objects
                       for name, values in columns.items()})
        for field in data.schema:
            info = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
            table[field.name].description = info.get("description") or None
            if info.get("unit"):
                table[field.name].unit = info["unit"]
        table.meta.update(json.loads((data.schema.metadata or {}).get(b"astrospecml", b"{}")))
        return table
    if table_format == "fits":
        # mask_invalid=False: an empty error message is an empty string, a missing probability NaN.
        table = Table.read(path, format="fits", mask_invalid=False, character_as_bytes=True)
        decoded = Table({_column_name_from_fits(name): np.char.decode(np.asarray(table[name]), "utf-8")
                         if table[name].dtype.kind == "S" else np.asarray(table[name]) for name in table.colnames})
        decoded.meta.update({key: table.meta[word] for key, word in fits_keywords.items() if word in table.meta})
        return decoded
    table = Table.read(path, format=TABLE_FORMATS[table_format][0])
    plain = Table({name: table[name].filled("") if getattr(table[name], "mask", None) is not None
                   and table[name].dtype.kind == "U" else table[name] for name in table.colnames}, meta=table.meta)
    return plain


def _check_format(table_format):
    if table_format not in TABLE_FORMATS:
        raise ValueError(f"table_format must be one of {sorted(TABLE_FORMATS)}, got {table_format!r}.")
