"""The registry of experiments and the one function that runs any of them."""
from ._experiment import execute
from .ablations import ABLATIONS as _ABLATIONS
from .emccnn import EXPERIMENT as _EMCCNN
from .emccnn_paper import EXPERIMENT as _EMCCNN_PAPER
from .macnet import EXPERIMENT as _MACNET
from .miles import EXPERIMENT as _MILES
from .rare import EXPERIMENT as _RARE
from .stripes import EXPERIMENT as _STRIPES

__all__ = ["EXPERIMENTS", "run_benchmark"]

#: Every experiment by name, in the order ``astrospecml benchmark --experiment all`` runs them: the papers'
#: comparisons, then the ablations.
EXPERIMENTS = {experiment.name: experiment
               for experiment in (_EMCCNN, _EMCCNN_PAPER, _STRIPES, _RARE, _MACNET, _MILES, *_ABLATIONS)}


def run_benchmark(experiment, output_dir, *, profile="quick", random_state=0, device="cpu", verbose=True,
                  **options):
    """Run one of the papers' comparisons and write its report.

    The runner picks the profile, keeps the log and the clock, creates
    ``output_dir``, and writes ``report.md``, ``report.rst`` and
    ``results.json`` there (the experiment adds its figures and CSV tables),
    the report opening with the date, the machine, the versions and the
    command that regenerates it.

    Parameters
    ----------
    experiment : str or Experiment
        Which comparison: a name in `EXPERIMENTS` (the papers' comparisons
        'emccnn', 'emccnn_paper', 'stripes', 'rare', 'macnet', 'miles', and
        the ablations, named '..._ablation').
    output_dir : str or path-like
        The report's folder (created).
    profile : str or profile, default='quick'
        ``'quick'`` (under 10 minutes on 2 CPU cores) or ``'full'``, or an
        instance of the experiment's profile class.
    random_state : int, default=0
        Seeds the splits, the searches, the simulations and the networks.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where the networks train and predict in the experiments that say so
        (``uses_device``: 'emccnn', 'emccnn_paper', 'macnet', 'miles'); the others run on the CPU.  'auto' takes
        the GPU when torch finds one.
    verbose : bool, default=True
        Print progress.
    **options
        The experiment's own options, the keyword arguments of its ``run``
        (``EXPERIMENTS[name].options()``; those the command line takes are
        listed by ``astrospecml benchmark --help``).

    Returns
    -------
    dict
        The experiment's results (what ``results.json`` holds, and more).

    Examples
    --------
    A few seconds' run of the EMCCNN experiment, the SVC only, on the optical types:

    >>> import tempfile
    >>> from astrospecml.benchmarks import EMCCNNProfile
    >>> tiny = EMCCNNProfile("tiny", max_epochs=1, patience=1, svc_grid={"svc__C": [10.0], "svc__gamma": [1e-3]},
    ...                      svc_folds=2)
    >>> results = run_benchmark("emccnn", tempfile.mkdtemp(), profile=tiny, targets=("opt_type",), models=["SVC"],
    ...                         verbose=False)
    >>> 0 < results["opt_type"]["SVC"]["test_accuracy"] < 1
    True
    """
    if isinstance(experiment, str):
        if experiment not in EXPERIMENTS:
            raise ValueError(f"experiment must be one of {sorted(EXPERIMENTS)}, got {experiment!r}.")
        experiment = EXPERIMENTS[experiment]
    return execute(experiment, output_dir, profile=profile, random_state=random_state, device=device,
                   verbose=verbose, **options)
