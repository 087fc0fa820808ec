"""Finding fibre traces on a multi-fibre frame and cutting one stripe per fibre."""
from numbers import Integral

import astropy.units as u
import numpy as np
from astropy.modeling.models import Polynomial1D
from astropy.nddata import CCDData, NDData, StdDevUncertainty
from scipy.signal import find_peaks
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from specreduce.tracing import FitTrace

from .._repr import QuantityParamsDisplayMixin

__all__ = ["StripeCutter", "cut_stripes", "find_traces"]


def _frame_data(frame):
    if isinstance(frame, CCDData):
        return np.asarray(frame.data, dtype=np.float64), frame.mask
    data = np.asarray(frame, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"a frame must be 2D (rows, wavelength pixels), got shape {data.shape}.")
    return data, None


def find_traces(frame, n_traces=None, *, min_separation=5, bins=20):
    """Find and fit the fibre traces of a frame with specreduce.

    The frame is collapsed along the dispersion axis (median of unmasked
    columns); peaks of that profile, at least ``min_separation`` rows apart,
    are the first guesses, and each is refined by
    `specreduce.tracing.FitTrace` (Gaussian peaks in ``bins`` wavelength bins,
    a straight-line trace).

    Parameters
    ----------
    frame : `~astropy.nddata.CCDData` or ndarray of shape (rows, pixels)
        The frame, dispersion along the columns.
    n_traces : int or None, default=None
        Number of fibres; the brightest ``n_traces`` peaks are kept, and fewer
        found is an error.  None keeps every significant peak.
    min_separation : int, default=5
        Fewest rows between two fibres.
    bins : int, default=20
        Wavelength bins of each trace fit.

    Returns
    -------
    list of `specreduce.tracing.FitTrace`
        Ordered by row.

    Raises
    ------
    ValueError
        When no trace, or fewer than ``n_traces``, stand out.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.arange(40)[:, None]
    >>> frame = np.exp(-0.5 * ((rows - 10.3) / 1.5) ** 2) + np.exp(-0.5 * ((rows - 26.0) / 1.5) ** 2)
    >>> frame = np.repeat(frame, 100, axis=1)
    >>> [round(float(np.mean(t.trace)), 1) for t in find_traces(frame)]
    [10.3, 26.0]
    """
    data, mask = _frame_data(frame)
    columns = data if mask is None else np.where(mask, np.nan, data)
    profile = np.nanmedian(columns, axis=1)
    floor = np.nanmedian(profile)
    spread = np.nanmedian(np.abs(profile - floor)) or np.nanstd(profile) or 1.0
    peaks, properties = find_peaks(profile, distance=min_separation, prominence=5 * spread)
    if len(peaks) == 0:
        raise ValueError("found no fibre trace: no row of the frame's collapsed profile stands out from the "
                         "background; is the dispersion along the columns, and is any fibre lit?")
    if n_traces is not None:
        if len(peaks) < n_traces:
            raise ValueError(f"found {len(peaks)} fibre traces, fewer than the {n_traces} expected.")
        brightest = np.argsort(properties["prominences"])[::-1][:n_traces]
        peaks = np.sort(peaks[brightest])
    image = NDData(data, mask=mask, unit=u.dimensionless_unscaled)
    window = max(3, int(min_separation))
    return [
        FitTrace(image, bins=min(bins, data.shape[1]), guess=float(peak), window=window,
                 trace_model=Polynomial1D(degree=1), peak_method="gaussian")
        for peak in peaks
    ]


def cut_stripes(frame, traces, n_rows=15):
    """Cut a stripe of ``n_rows`` rows centred on each trace.

    Parameters
    ----------
    frame : `~astropy.nddata.CCDData` or ndarray of shape (rows, pixels)
        The frame.
    traces : list of `specreduce.tracing.Trace` or array-like of float
        Traces, or the trace centre row of each fibre.
    n_rows : int, default=15
        Rows per stripe; the stripe is centred on the row nearest to the
        trace's mean position.

    Returns
    -------
    list of `~astropy.nddata.CCDData` or ndarray of shape (n_traces, n_rows, pixels)
        CCDData stripes (uncertainty, mask and meta cut alike, ``meta['FIBRE']``
        their index) for a CCDData frame, an array otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> cut_stripes(np.zeros((60, 30)), [15.2, 40.0], n_rows=11).shape
    (2, 11, 30)
    """
    data, mask = _frame_data(frame)
    out = []
    for index, trace in enumerate(traces):
        centre = float(np.mean(trace.trace)) if hasattr(trace, "trace") else float(trace)
        first = int(np.floor(centre + 0.5)) - n_rows // 2
        if first < 0 or first + n_rows > data.shape[0]:
            raise ValueError(f"the stripe of trace {index} (rows {first}-{first + n_rows - 1}) leaves the frame.")
        rows = slice(first, first + n_rows)
        if isinstance(frame, CCDData):
            sigma = None
            if frame.uncertainty is not None:
                sigma = StdDevUncertainty(frame.uncertainty.represent_as(StdDevUncertainty).array[rows])
            # The frame's keywords, less those describing all its traces.
            meta = {key: value for key, value in frame.meta.items()
                    if not (str(key).startswith("TRACE") and str(key)[5:].isdigit()) and key != "NFIBRES"}
            meta.update(FIBRE=index, TRACEROW=centre)
            out.append(CCDData(data[rows], unit=frame.unit, uncertainty=sigma,
                               mask=None if mask is None else mask[rows], meta=meta))
        else:
            out.append(data[rows])
    return out if isinstance(frame, CCDData) else np.stack(out) if out else np.empty((0, n_rows, data.shape[1]))


class StripeCutter(QuantityParamsDisplayMixin, BaseEstimator):
    """Learn the fibre traces of a frame, then cut every frame into per-fibre stripes.

    As a reduction pipeline traces fibres once on a flat field and applies
    the traces to every exposure, ``fit`` finds the traces
    (:func:`find_traces`, specreduce) on one frame, or takes given ones, and
    ``transform`` cuts any frame of the same layout into stripes.

    One frame becomes many samples, so this is not a sample-wise scikit-learn
    transformer and does not belong inside a `~sklearn.pipeline.Pipeline`;
    cut the stripes first, then feed them to one.

    Parameters
    ----------
    n_rows : int, default=15
        Rows per stripe.
    n_traces : int or None, default=None
        Fibres to find (see :func:`find_traces`).
    traces : array-like of float or None, default=None
        Known trace centre rows; when given, ``fit`` finds nothing.
    min_separation : int, default=5
        Fewest rows between fibres when finding traces.

    Attributes
    ----------
    traces_ : list of `specreduce.tracing.Trace` or ndarray
        The traces used by ``transform``.
    n_traces_ : int
        Their number.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.arange(50)[:, None]
    >>> frame = np.repeat(np.exp(-0.5 * ((rows - 12.0) / 1.5) ** 2)
    ...                   + np.exp(-0.5 * ((rows - 30.0) / 1.5) ** 2), 64, axis=1)
    >>> StripeCutter(n_rows=11).fit(frame).transform(frame).shape
    (2, 11, 64)
    """

    _parameter_constraints = {
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "n_traces": [Interval(Integral, 1, None, closed="left"), None],
        "traces": ["array-like", None],
        "min_separation": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_rows=15, n_traces=None, traces=None, min_separation=5):
        self.n_rows = n_rows
        self.n_traces = n_traces
        self.traces = traces
        self.min_separation = min_separation

    def fit(self, frame, y=None):
        """Find the traces on ``frame`` (unless ``traces`` is given).

        Parameters
        ----------
        frame : `~astropy.nddata.CCDData` or ndarray of shape (rows, pixels)
            A frame with every fibre lit (a flat field, or a science frame).
        y : ignored

        Returns
        -------
        self : StripeCutter
        """
        self._validate_params()
        if self.traces is not None:
            self.traces_ = np.asarray(self.traces, dtype=float)
        else:
            self.traces_ = find_traces(frame, self.n_traces, min_separation=self.min_separation)
        self.n_traces_ = len(self.traces_)
        return self

    def transform(self, frame):
        """Cut ``frame`` into one stripe per learned trace.

        Parameters
        ----------
        frame : `~astropy.nddata.CCDData` or ndarray of shape (rows, pixels)

        Returns
        -------
        list of `~astropy.nddata.CCDData` or ndarray of shape (n_traces, n_rows, pixels)
        """
        check_is_fitted(self)
        return cut_stripes(frame, self.traces_, self.n_rows)

    def fit_transform(self, frame, y=None):
        """Find the traces on ``frame`` and cut it (see ``fit`` and ``transform``)."""
        return self.fit(frame).transform(frame)
