"""What every benchmark experiment is, and the one runner that does the work they share.

An experiment says what it trains and what its report shows; the runner owns
the rest: the profile lookup, the progress log, the clock, the output
folder, the line naming the machine and the command that regenerates the
report, and writing ``report.md``, ``report.rst`` and ``results.json``.
"""
import inspect
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import sklearn
import torch

from .._torch import resolve_device
from ._document import Document, machine, today

__all__ = ["Experiment", "Option", "Outcome", "Run", "execute"]

@dataclass(frozen=True)
class Option:
    """An option of an experiment's ``run`` that ``astrospecml benchmark`` takes as a flag.

    Parameters
    ----------
    name : str
        The keyword argument of ``run``.
    flag : str
        Its flag on the command line; experiments that share a flag share
        its form (``many``, ``type``, ``choices``).
    help : str
        What it does in this experiment.
    many : bool, default=False
        Whether it takes several values (a list).
    type : callable, default=str
        Converts each value.
    choices : tuple or None, default=None
        The values allowed.

    Examples
    --------
    >>> Option("n_splits", "--splits", "repeated splits", type=int).flag
    '--splits'
    """

    name: str
    flag: str
    help: str
    many: bool = False
    type: Callable = str
    choices: tuple = None


@dataclass(frozen=True)
class Outcome:
    """What an experiment's ``run`` gives back.

    Parameters
    ----------
    results : dict
        The numbers: returned to the caller and, through the experiment's
        ``to_json``, written to ``results.json``.
    keep : dict
        What the report's figures need beyond the numbers (data, fitted
        models, splits); never written.

    Examples
    --------
    >>> outcome = Outcome({"accuracy": 0.9})
    >>> outcome.results, outcome.keep
    ({'accuracy': 0.9}, {})
    """

    results: dict
    keep: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """One of the source papers' comparisons, as the runner sees it.

    Parameters
    ----------
    name : str
        Its name on the command line (``astrospecml benchmark --experiment
        NAME``) and the folder its report goes to.
    title : str
        The report's first heading.
    profiles : mapping of str to profile
        How much work a run does; ``'quick'`` and ``'full'`` at least.
    profile_type : type
        The class of its profiles; an instance of it may be passed instead
        of a name.
    run : callable
        ``run(context, **options) -> Outcome``: trains and scores, logging
        through ``context.say``.  Its keyword arguments are the experiment's
        options.
    report : callable
        ``report(context, outcome, document)``: adds the experiment's
        sections to ``document`` and writes its figures and tables to
        ``context.output``.
    to_json : callable, default=identity
        The part of ``outcome.results`` that ``results.json`` holds.
    uses_device : bool, default=False
        Whether its networks train on ``device``; the others always run on
        the CPU.
    summary : str, default=''
        What it compares, in a sentence or two of ``astrospecml benchmark
        --help``.
    command_line : tuple of Option, default=()
        The options of ``run`` the command line takes, each with its flag
        and help.

    Examples
    --------
    >>> from astrospecml.benchmarks import EXPERIMENTS
    >>> stripes = EXPERIMENTS["stripes"]
    >>> stripes.profile("quick").max_epochs, stripes.options()
    (40, ['models', 'test_size', 'max_spectra'])
    """

    name: str
    title: str
    profiles: Mapping[str, Any]
    profile_type: type
    run: Callable
    report: Callable
    to_json: Callable = lambda results: results
    uses_device: bool = False
    summary: str = ""
    command_line: tuple = ()

    def profile(self, profile):
        """The profile of that name, or ``profile`` itself when it is one; a clear error otherwise."""
        if isinstance(profile, self.profile_type):
            return profile
        if isinstance(profile, str) and profile in self.profiles:
            return self.profiles[profile]
        raise ValueError(f"profile of the {self.name!r} experiment must be one of {sorted(self.profiles)} or a "
                         f"{self.profile_type.__name__}, got {profile!r}.")

    def options(self):
        """The keyword arguments its ``run`` takes besides the context."""
        parameters = list(inspect.signature(self.run).parameters.values())[1:]
        return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


@dataclass
class Run:
    """One run of one experiment: its settings, its folder and its clock.

    Experiments receive it as ``context``.

    Examples
    --------
    >>> from astrospecml.benchmarks import EXPERIMENTS
    >>> rare = EXPERIMENTS["rare"]
    >>> run = Run(rare, rare.profile("quick"), Path("reports/rare"), random_state=3, device="cpu", verbose=False)
    >>> run.command()
    'astrospecml benchmark --experiment rare --quick --random-state 3 --output <folder>'
    >>> Run(rare, rare.profile("quick"), Path("out"), 0, "cpu", False, options={"augmentations": ["none"]}).command()
    "astrospecml benchmark --experiment rare --quick --output <folder>
    (and augmentations=['none'] through run_benchmark)"

    Options the command line takes appear as its flags, others as Python:

    >>> emccnn = EXPERIMENTS["emccnn"]
    >>> Run(emccnn, emccnn.profile("full"), Path("out"), 0, "cpu", False,
    ...     options={"models": ["SVC", "CNN-1D"], "n_splits": 3, "test_size": 0.2}).command()
    'astrospecml benchmark --experiment emccnn --models SVC CNN-1D --splits 3 --output <folder>
    (and test_size=0.2 through run_benchmark)'
    """

    experiment: Experiment
    profile: Any
    output: Path
    random_state: int
    device: str
    verbose: bool
    options: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def elapsed(self):
        """Seconds since the run began."""
        return time.perf_counter() - self.started

    def say(self, message):
        """One progress line, with the seconds since the run began, when ``verbose``."""
        if self.verbose:
            print(f"[{self.elapsed():6.0f} s] {message}", flush=True)

    def command(self):
        """The command line that regenerates this run's report."""
        profile = getattr(self.profile, "name", None)
        flags, python = [], []
        known = {option.name: option.flag for option in self.experiment.command_line}
        for name, value in self.options.items():
            if name in known:
                values = value if isinstance(value, (list, tuple)) else [value]
                flags.append(f" {known[name]} " + " ".join(str(v) for v in values))
            else:
                python.append(f"{name}={value!r}")
        return ("astrospecml benchmark --experiment " + self.experiment.name
                + (" --quick" if profile == "quick" else "") + "".join(flags)
                + (f" --device {self.device}" if self.device != "cpu" else "")
                + (f" --random-state {self.random_state}" if self.random_state != 0 else "")
                + " --output <folder>"
                + (f" (and {', '.join(python)} through run_benchmark)" if python else ""))

    def environment(self, seconds):
        """The report's first line: date, profile, seed, duration, machine, versions and command."""
        return (f"Run on {today()}, profile `{self.profile.name}`, random_state={self.random_state}, "
                f"{seconds / 60:.1f} minutes on {machine(self.device)}, torch {torch.__version__}, "
                f"scikit-learn {sklearn.__version__}). Regenerate with `{self.command()}` (the report goes to "
                f"`<folder>/{self.experiment.name}`).")


def execute(experiment, output_dir, *, profile="quick", random_state=0, device="cpu", verbose=True, **options):
    """Run ``experiment``, write its report to ``output_dir`` and return its results."""
    unknown = sorted(set(options) - set(experiment.options()))
    if unknown:
        raise TypeError(f"the {experiment.name!r} experiment takes no option {', '.join(unknown)}; its options are "
                        f"{', '.join(experiment.options()) or 'none'}.")
    settings = experiment.profile(profile)
    # Fails now, not after an hour of baselines, when CUDA is asked for and missing.
    device = resolve_device(device) if experiment.uses_device else "cpu"
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    context = Run(experiment, settings, output, random_state, device, bool(verbose), options)
    context.say(f"{experiment.name} experiment, profile {settings.name!r}, writing to {output}")
    outcome = experiment.run(context, **options)
    seconds = context.elapsed()
    document = Document()
    document.heading(experiment.title, 1)
    document.text(context.environment(seconds))
    experiment.report(context, outcome, document)
    (output / "report.md").write_text(document.markdown())
    (output / "report.rst").write_text(document.rst())
    (output / "results.json").write_text(json.dumps(experiment.to_json(outcome.results), indent=1, default=str))
    context.say(f"report written to {output / 'report.md'}")
    return outcome.results
