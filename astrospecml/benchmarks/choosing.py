"""The "Choosing a model" documentation page, written from the benchmark result files.

The docs build calls `write_choosing_page` on ``docs/benchmark_results``, so
the page always says what the result pages beside it measured: rerunning a
benchmark and rebuilding the docs updates both.
"""
import json
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

from .data import TARGETS
from .emccnn.run import BASELINES
from .metrics import repeated_split_difference

__all__ = ["EMCCNN_FOLDERS", "accuracy_interval", "write_choosing_page"]

#: Folders of ``docs/benchmark_results`` holding EMCCNN-experiment results, in the order the page shows them:
#: the full profile's, and a run over repeated splits.
EMCCNN_FOLDERS = ("emccnn", "emccnn_splits", "emccnn_quick")
#: What each of those runs is, in the page's headings (which must differ from run to run).
FOLDER_TITLES = {"emccnn": "full profile", "emccnn_splits": "quick profile, seed ensembles",
                 "emccnn_quick": "quick profile, every network"}
#: A task's data, as the decision guide names it.
TASK_DATA = {"spex_type": "Near-infrared subtypes of M, L and T dwarfs (SpeX types)",
             "opt_type": "Literature optical types of the same dwarfs"}
#: How far below the best a model may be and still count as an option for speed.
SPEED_MARGIN = 0.05


def accuracy_interval(accuracy, n, confidence=0.95):
    """Wilson score interval of an accuracy measured on ``n`` test spectra.

    Parameters
    ----------
    accuracy : float
        Fraction correct.
    n : int
        Test spectra.
    confidence : float, default=0.95

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> low, high = accuracy_interval(0.8, 100)
    >>> round(low, 3), round(high, 3)
    (0.711, 0.867)
    """
    k = int(round(accuracy * n))
    interval = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def _table(header, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = " ".join("=" * w for w in widths)
    out = [line, " ".join(str(h).ljust(w) for h, w in zip(header, widths)), line]
    out += [" ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return out + [line, ""]


def _speed(value):
    return "" if value is None else f"{value:,.0f}"


def _splits(metrics):
    """Each split's numbers (result files written before repeated splits hold one split, at the top level)."""
    return metrics.get("splits") or [metrics]


def _one_task(name, results):
    """Rows, the winner and the models level with it, for one task of the EMCCNN experiment.

    On one split a model is level with the winner when their Wilson
    intervals overlap; over repeated splits, when the corrected paired
    interval of the winner's lead includes zero.
    """
    rows, stats = [], {}
    for model, m in results.items():
        splits = _splits(m)
        accuracy, fit = (float(np.mean([s[key] for s in splits])) for key in ("test_accuracy", "fit_seconds"))
        within, rms = (float(np.mean([s[key] for s in splits])) for key in ("test_within_one", "test_rms_subtype"))
        if len(splits) > 1:
            spread = float(np.std([s["test_accuracy"] for s in splits]))
            low, high = accuracy - spread, accuracy + spread
            cell = f"{accuracy:.3f} ± {spread:.3f}"
        else:
            low, high = accuracy_interval(accuracy, int(np.sum(m["confusion"])))
            cell = f"{accuracy:.3f} [{low:.3f}, {high:.3f}]"
        stats[model] = (accuracy, low, high, fit)
        rows.append((model, cell, f"{within:.3f}", f"{rms:.2f}", f"{fit:.0f}", _speed(m.get("predict_per_second")),
                     _speed(m.get("n_parameters"))))
    rows.sort(key=lambda row: -stats[row[0]][0])
    best = rows[0][0]
    best_splits = _splits(results[best])
    if len(best_splits) > 1:
        fraction = float(np.mean([s["test_fraction"] for s in best_splits]))
        level = [model for model in stats if model != best and repeated_split_difference(
            [s["test_accuracy"] for s in best_splits], [s["test_accuracy"] for s in _splits(results[model])],
            fraction)[1] <= 0]
    else:
        level = [model for model in stats if model != best and stats[model][2] >= stats[best][1]]
    return rows, best, level, stats


def _guide(task, models):
    """The decision guide's entry for one task: the most accurate model, and what speed costs."""
    _, best, level, stats = _one_task(task, models)
    speed = {model: m.get("predict_per_second") or 0.0 for model, m in models.items()}
    text = f"most accurate: {best} ({stats[best][0]:.3f} exact"
    text += f", {speed[best]:,.0f} spectra/s)" if speed[best] else ")"
    if level:
        text += f"; level with it: {', '.join(sorted(level))}"
    close = [m for m in stats if stats[m][0] >= stats[best][0] - SPEED_MARGIN and speed[m] > speed[best]]
    if close:
        fastest = max(close, key=lambda m: speed[m])
        text += (f"; for more spectra a second, {fastest} ({stats[fastest][0]:.3f}, {speed[fastest]:,.0f} "
                 f"spectra/s)")
    else:
        faster = [m for m in stats if speed[m] > speed[best]]
        if faster:
            fastest = max(faster, key=lambda m: stats[m][0])
            text += (f"; nothing within {SPEED_MARGIN:.2f} of it is faster: the most accurate faster model is "
                     f"{fastest} ({stats[fastest][0]:.3f}, {speed[fastest]:,.0f} spectra/s)")
    return text + "."


def _by_snr(results):
    bins = list(next(iter(results.values()))["accuracy_by_snr"])
    out = []
    for snr_bin in bins:
        scores = {}
        for model, m in results.items():
            values = [s["accuracy_by_snr"][snr_bin][0] for s in _splits(m)]
            values = [v for v in values if v is not None and np.isfinite(v)]
            scores[model] = float(np.mean(values)) if values else float("nan")
        best = max(scores, key=lambda model: -np.inf if np.isnan(scores[model]) else scores[model])
        n = next(iter(results.values()))["accuracy_by_snr"][snr_bin][1]
        label = snr_bin if snr_bin.startswith("S/N") else f"S/N {snr_bin}"
        out.append(f"{label} ({n} test spectra): {best} ({scores[best]:.3f})")
    return out


def _accuracy_per_model(task):
    """Each model's accuracies over the runs of one MAC-Net task."""
    accuracy = {}
    for run in task["runs"].values():
        for model, m in run.items():
            accuracy.setdefault(model, []).append(m["accuracy"])
    return accuracy


def _decision_guide(root):
    """Which model for which data, from the most complete run of each experiment."""
    out = ["Which model for which data", "--------------------------", "",
           "Each line names the most accurate model on that data, the models level with it, and the fastest "
           f"model within {SPEED_MARGIN:.2f} of it in exact accuracy when one predicts more spectra per second "
           "(spectra/s: ``predict`` with preprocessing, on the machine the result page names).  The sections "
           "below give every number.", ""]
    for folder in EMCCNN_FOLDERS:
        path = root / folder / "results.json"
        if path.exists():
            for task, models in json.loads(path.read_text()).items():
                data = TASK_DATA.get(task, TARGETS.get(task, task))
                out.append(f"* **{data}** ({FOLDER_TITLES.get(folder, folder)}): {_guide(task, models)}")
            break
    stripes = root / "stripes" / "results.json"
    if stripes.exists():
        models = json.loads(stripes.read_text())["models"]
        best = max(models, key=lambda m: models[m]["test_accuracy"])
        out.append(f"* **Two-arm fibre stripes** (simulated): most accurate: {best} "
                   f"({models[best]['test_accuracy']:.3f}).")
    macnet = root / "macnet" / "results.json"
    if macnet.exists():
        for task, content in json.loads(macnet.read_text())["tasks"].items():
            accuracy = _accuracy_per_model(content)
            best = max(accuracy, key=lambda model: np.median(accuracy[model]))
            out.append(f"* **Spectra with photometric images, {task}**: most accurate: {best} "
                       f"({np.median(accuracy[best]):.3f}, median over {len(content['runs'])} run(s)).")
    rare = root / "rare" / "results.json"
    if rare.exists():
        summary = json.loads(rare.read_text())["summary"]
        best = max(summary, key=lambda name: summary[name]["rare_f1"]["median"])
        out.append(f"* **A rare class among common ones**: RAC-Net with {best} augmentation "
                   f"(rare-class F1 {summary[best]['rare_f1']['median']:.3f}, median over seeds).")
    return out + [""]


def write_choosing_page(results_root, path):
    """Write the "Choosing a model" reStructuredText page from the benchmark result files.

    Parameters
    ----------
    results_root : str or path-like
        The folder ``astrospecml benchmark --experiment all`` writes: one
        subfolder per experiment (``emccnn``, ``stripes``, ``macnet``,
        ``rare``) holding its ``results.json``, and ``emccnn_splits`` and
        ``emccnn_quick`` for further EMCCNN runs (repeated splits; every
        network in the quick profile); missing ones are left out.
    path : str or path-like
        The page to write.

    Examples
    --------
    >>> import json, os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> m = {"test_accuracy": 0.8, "confusion": [[40, 10], [10, 40]], "test_within_one": 0.9,
    ...      "test_rms_subtype": 0.7, "fit_seconds": 3.0, "accuracy_by_snr": {"> 10": [0.8, 100]}}
    >>> os.mkdir(os.path.join(folder, "emccnn"))
    >>> with open(os.path.join(folder, "emccnn", "results.json"), "w") as f:
    ...     json.dump({"spex_type": {"SVC": m, "CNN-1D": {**m, "test_accuracy": 0.7}}}, f)
    >>> write_choosing_page(folder, os.path.join(folder, "page.rst"))
    >>> "Best exact accuracy: SVC" in open(os.path.join(folder, "page.rst")).read()
    True
    """
    root = Path(results_root)

    out = ["Choosing a model", "================", "",
           "This page is written from the benchmark result files at every documentation build "
           "(:func:`~astrospecml.benchmarks.choosing.write_choosing_page`), so it says what the "
           ":doc:`benchmarks` measured, no more.  Where a result comes from one source-disjoint split and one "
           "training run per model, intervals are 95 % Wilson intervals of each model's test accuracy: treat "
           "differences inside them as ties (the result pages give the paired comparisons, which are sharper).  "
           "Where it comes from repeated splits, accuracies are mean ± standard deviation over the splits, and a "
           "model is level with the winner when the 95 % corrected paired interval of the winner's lead over it "
           "includes zero.  Cost is the fitting time (hyperparameter search included) on the machine the "
           "result page names, spectra predicted per second, and network parameters.", ""]
    out += _decision_guide(root)
    for folder in EMCCNN_FOLDERS:
        emccnn = root / folder / "results.json"
        if not emccnn.exists():
            continue
        results = json.loads(emccnn.read_text())
        for task, models in results.items():
            title = TARGETS.get(task, task)
            rows, best, level, stats = _one_task(task, models)
            n_splits = len(_splits(models[best]))
            heading = f"{title[:1].upper()}{title[1:]}: {FOLDER_TITLES.get(folder, folder)}" + (
                f", {n_splits} repeated splits" if n_splits > 1 else ", one split")
            out += [heading, "-" * len(heading), ""]
            baselines = [m for m in stats if m in BASELINES]
            strongest = max(baselines, key=lambda m: stats[m][0]) if baselines else None
            out.append(f"Best exact accuracy: {best} ({stats[best][0]:.3f}"
                       + (f", mean over {n_splits} splits" if n_splits > 1 else ", one split") + ").")
            if level:
                cheapest = min([best, *level], key=lambda m: stats[m][3])
                out.append(f"Level with it: {', '.join(sorted(level))}; the cheapest of these "
                           f"to fit is {cheapest} ({stats[cheapest][3]:.0f} s).")
            if strongest and strongest != best:
                out.append(f"The strongest classical baseline is {strongest} ({stats[strongest][0]:.3f}).")
            out += ["", "Best per S/N bin: " + "; ".join(_by_snr(models)) + ".", ""]
            out += _table(("model", "exact, mean ± std" if n_splits > 1 else "exact [95% interval]", "within one",
                           "RMS (subtypes)", "fit (s)", "predicted/s", "parameters"), rows)
        out += [f"Details: :doc:`benchmark_results/{folder}/report`.", ""]
    stripes = root / "stripes" / "results.json"
    if stripes.exists():
        models = json.loads(stripes.read_text())["models"]
        out += ["Two-arm fibre stripes (simulated)", "---------------------------------", ""]
        rows = []
        for model, m in sorted(models.items(), key=lambda item: -item[1]["test_accuracy"]):
            n = int(np.sum(m["confusion"]))
            low, high = accuracy_interval(m["test_accuracy"], n)
            rows.append((model, f"{m['test_accuracy']:.3f} [{low:.3f}, {high:.3f}]", f"{m['fit_seconds']:.0f}",
                         _speed(m.get("n_parameters"))))
        out += ["Best per S/N bin: " + "; ".join(_by_snr(models)) + ".", ""]
        out += _table(("model", "exact [95% interval]", "fit (s)", "parameters"), rows)
        out += ["Details: :doc:`benchmark_results/stripes/report`.", ""]
    macnet = root / "macnet" / "results.json"
    if macnet.exists():
        tasks = json.loads(macnet.read_text())["tasks"]
        out += ["Spectra with photometric images (MAC-Net)", "-----------------------------------------", ""]
        for task, content in tasks.items():
            accuracy = _accuracy_per_model(content)
            ranking = sorted(accuracy, key=lambda model: -np.median(accuracy[model]))
            out.append(f"* {task} ({content['n']} objects, {len(content['runs'])} run(s)): "
                       + ", ".join(f"{model} {np.median(accuracy[model]):.3f}" for model in ranking) + ".")
        out += ["", "Details: :doc:`benchmark_results/macnet/report`.", ""]
    rare = root / "rare" / "results.json"
    if rare.exists():
        summary = json.loads(rare.read_text())["summary"]
        out += ["Rare classes (RAC-Net with augmentation)", "----------------------------------------", ""]
        rows = [(name, f"{s['rare_f1']['median']:.3f} [{s['rare_f1']['q25']:.3f}, {s['rare_f1']['q75']:.3f}]",
                 f"{s['rare_recall']['median']:.3f}", f"{s['fit_seconds']['median']:.0f}")
                for name, s in summary.items()]
        out += _table(("augmentation", "rare-class F1, median [quartiles]", "rare recall", "fit (s)"), rows)
        out += ["Details: :doc:`benchmark_results/rare/report`.", ""]
    Path(path).write_text("\n".join(out))
