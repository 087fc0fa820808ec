"""The pieces every benchmark report is made of.

One document rendered as Markdown and reStructuredText, number formatting,
figures that never touch pyplot's state, the machine.
"""
import datetime
import platform
import re

import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = ["Document", "fmt", "machine", "setting", "subplots", "today"]

_MARKDOWN_CODE = re.compile(r"(?<![`:])`([^`]+)`(?!`)")
# Keywords of plt.subplots that belong to the figure, not to its grid of axes.
_FIGURE_KEYWORDS = ("figsize", "dpi", "layout", "constrained_layout", "tight_layout")


def _rst_literals(text):
    """Markdown's `code` as reStructuredText's ``code`` (single backticks would be cross-references)."""
    return _MARKDOWN_CODE.sub(r"``\1``", text) if text else text


class Document:
    """Collects a report once and renders it as Markdown and as reStructuredText.

    Examples
    --------
    >>> doc = Document()
    >>> doc.heading("Result", 1); doc.table(["model", "accuracy"], [["SVC", "0.80"]])
    >>> print(doc.markdown())
    # Result
    <BLANKLINE>
    | model | accuracy |
    |---|---|
    | SVC | 0.80 |
    <BLANKLINE>
    """

    def __init__(self):
        self.blocks = []

    def heading(self, text, level):
        self.blocks.append(("heading", text, level))

    def text(self, text):
        self.blocks.append(("text", text))

    def table(self, headers, rows):
        self.blocks.append(("table", headers, [[str(cell) for cell in row] for row in rows]))

    def image(self, path, caption):
        self.blocks.append(("image", path, caption))

    def markdown(self):
        out = []
        for kind, *args in self.blocks:
            if kind == "heading":
                out.append("#" * args[1] + " " + args[0])
            elif kind == "text":
                out.append(args[0])
            elif kind == "table":
                headers, rows = args
                out.append("\n".join(["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
                                     + ["| " + " | ".join(row) + " |" for row in rows]))
            else:
                out.append(f"![{args[1]}]({args[0]})\n\n*{args[1]}*")
        return "\n\n".join(out) + "\n"

    def rst(self):
        out = []
        for kind, *args in self.blocks:
            if kind == "heading":
                text, level = args
                out.append(text + "\n" + "=-~^"[level - 1] * len(text))
            elif kind == "text":
                out.append(_rst_literals(args[0]))
            elif kind == "table":
                headers, rows = args
                lines = [".. list-table::", "   :header-rows: 1", ""]
                for row in [headers] + rows:
                    lines.append("   * - " + (_rst_literals(row[0]) or "\\ "))
                    lines += ["     - " + (_rst_literals(cell) or "\\ ") for cell in row[1:]]
                out.append("\n".join(lines))
            else:
                out.append(f".. figure:: {args[0]}\n   :width: 100%\n\n   {args[1]}")
        return "\n\n".join(out) + "\n"


def today():
    """The date of the run, for the report's first line (UTC, ISO 8601)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def fmt(value, digits=3):
    """A number for a table cell; None and NaN read '-'.

    Examples
    --------
    >>> fmt(0.81234), fmt(None), fmt(float("nan")), fmt(1.5, 1)
    ('0.812', '-', '-', '1.5')
    """
    if value is None:
        return "-"
    if isinstance(value, float) and np.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def setting(value):
    """A chosen hyperparameter as text; a band of two Quantities reads '0.9-1.4 um'.

    Examples
    --------
    >>> import astropy.units as u
    >>> setting((0.9 * u.um, 1.4 * u.um)), setting(0.003)
    ('0.9-1.4 um', '0.003')
    """
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(hasattr(v, "unit") for v in value):
        return f"{value[0].value:g}-{value[1].to_value(value[0].unit):g} {value[0].unit}"
    return str(value)


def machine(device="cpu"):
    """The hardware a run used, in words."""
    count = torch.get_num_threads()
    threads = f"{count} CPU thread{'s' if count != 1 else ''} ({platform.machine()}"
    if str(device).startswith("cuda"):
        return f"{torch.cuda.get_device_name(torch.device(device))} for the networks and {threads}"
    return threads


def subplots(*args, **kwargs):
    """``plt.subplots`` for figures written to files: a `~matplotlib.figure.Figure` of its own.

    Neither pyplot's list of open figures nor its backend is touched, so
    writing a report from a notebook changes nothing in the user's plotting.

    Examples
    --------
    >>> fig, axes = subplots(1, 2, figsize=(4, 2), squeeze=False)
    >>> axes.shape, type(fig).__name__
    ((1, 2), 'Figure')
    """
    figure = Figure(**{key: kwargs.pop(key) for key in _FIGURE_KEYWORDS if key in kwargs})
    return figure, figure.subplots(*args, **kwargs)
