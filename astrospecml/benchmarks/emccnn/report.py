"""The EMCCNN experiment's report: tables per task and S/N bin, per-class F1, figures, the verdict."""
import csv

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from ...classifiers import SpectrumClassifier
from ...datasets import SPEX_GRID, subtype_to_label
from .._document import fmt as _fmt
from .._document import setting as _setting
from .._document import subplots
from .._tuning import ENSEMBLE, classifier_step
from .._verdicts import bin_cell, bin_mean_and_std, model_table, n_splits_of, verdict
from ..data import TARGETS
from ..metrics import SNR_BINS, label_agreement
from .run import BASELINES, FOLD_SHAPE, standards_reproduction

__all__ = ["report"]


def _label(value):
    return subtype_to_label(value)


def _plot_confusions(path, target_results, title):
    names = list(target_results)
    cols = min(4, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig, axes = subplots(rows, cols, figsize=(4.2 * cols, 4.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        metrics = target_results[name]
        matrix = np.asarray(metrics["confusion"], dtype=float)
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        labels = [_label(v) for v in metrics["labels"]]
        ConfusionMatrixDisplay(matrix, display_labels=labels).plot(ax=ax, include_values=False, colorbar=False,
                                                                   xticks_rotation="vertical", cmap="viridis")
        ax.set_title(f"{name}: test accuracy {metrics['test_accuracy']:.2f}", fontsize=9)
        ax.tick_params(labelsize=5)
        ax.set_xlabel("predicted", fontsize=7)
        ax.set_ylabel("true", fontsize=7)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Confusion matrices, rows normalised: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_snr(path, target_results, title):
    fig, ax = subplots(figsize=(7, 4.5))
    bins = [label for label, _, _ in SNR_BINS]
    several = n_splits_of(target_results) > 1
    for name, metrics in target_results.items():
        values, spread = np.array([bin_mean_and_std(metrics, b) for b in bins]).T
        style = "-o" if name.startswith("EMCCNN") else ("-s" if name == "SVC" else "--.")
        ax.errorbar(bins, values, yerr=spread if several else None, fmt=style, label=name,
                    linewidth=2 if name.startswith(("EMCCNN", "SVC")) else 1, capsize=2)
    counts = [next(iter(target_results.values()))["accuracy_by_snr"][b][1] for b in bins]
    ax.set_xticks(range(len(bins)), [f"{b}\n({n} spectra{' in split 1' if several else ''})"
                                     for b, n in zip(bins, counts)])
    ax.set_ylabel("test accuracy (exact subtype)" + (", mean ± std over splits" if several else ""))
    ax.set_title(f"Accuracy per S/N bin: {title}")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_train_test(path, target_results, title):
    names = list(target_results)
    x = np.arange(len(names))
    fig, ax = subplots(figsize=(max(6, 0.8 * len(names)), 4.5))
    ax.bar(x - 0.2, [target_results[n]["mean"]["train_accuracy"] for n in names], 0.4, label="train")
    ax.bar(x + 0.2, [target_results[n]["mean"]["test_accuracy"] for n in names], 0.4, label="test")
    ax.set_xticks(x, names, rotation=45, ha="right")
    ax.set_ylabel("accuracy (exact subtype)")
    ax.set_ylim(0, 1)
    ax.set_title(f"Train versus test accuracy (the gap is over-fitting): {title}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_learning_curves(path, fitted, target, names, title):
    nets = [n for n in names if isinstance(classifier_step(fitted[(target, n)])[1], SpectrumClassifier)]
    if not nets:
        return False
    cols = min(5, len(nets))
    rows = int(np.ceil(len(nets) / cols))
    fig, axes = subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), nets):
        history = classifier_step(fitted[(target, name)])[1].history_  # a seed ensemble's first member
        epochs = history[:, "epoch"]
        ax.plot(epochs, history[:, "train_loss"], label="train")
        if "valid_loss" in history[-1]:
            ax.plot(epochs, history[:, "valid_loss"], label="validation")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_yscale("log")
    axes[0, 0].set_ylabel("cross-entropy")
    axes[0, 0].legend(fontsize=7)
    for ax in axes.ravel()[len(nets):]:
        ax.axis("off")
    fig.suptitle(f"Learning curves (validation = held-out training sources): {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def _plot_examples(path, data, fold_shape):
    from ...preprocessing import FluxNorm, Fold2D

    chosen = [t for t in (12, 16, 22, 26, 32, 36) if t in set(data.y)]
    fig, axes = subplots(len(chosen), 2, figsize=(10, 1.7 * len(chosen)), squeeze=False,
                         gridspec_kw={"width_ratios": [3, 1]})
    for row, subtype in zip(axes, chosen):
        i = np.flatnonzero(data.y == subtype)[np.argmax(data.snr[data.y == subtype])]
        flux = FluxNorm().fit_transform(data.X[i:i + 1])
        row[0].plot(SPEX_GRID.value, flux[0], lw=0.8)
        row[0].set_ylabel(_label(subtype), rotation=0, labelpad=15)
        row[1].imshow(Fold2D(shape=fold_shape).fit_transform(flux)[0], aspect="auto", cmap="magma")
        row[1].set_xticks([])
        row[1].set_yticks([])
    axes[-1, 0].set_xlabel(f"wavelength ({SPEX_GRID.unit})")
    axes[0, 0].set_title("highest-S/N SpeX spectrum of each type, as the 1D networks see it")
    axes[0, 1].set_title(f"folded {fold_shape[0]} x {fold_shape[1]}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


#: How far this experiment is from the EMCCNN paper's (Jiang et al. 2020), and why.
FAITHFULNESS = (
    ("task", "M0-M4 subclasses of M dwarfs, SDSS DR14 optical spectra",
     "M0-T8 subtypes (29 classes) and literature optical types of the shipped SpeX near-infrared spectra",
     "the labelled real spectra that ship with the package; our extension of the paper, not a replication"),
    ("S/N", "bins 5-10, 10-15, > 15", "bins < 30, 30-100, > 100 of SpeX's median S/N",
     "SpeX spectra are bright: few lie below S/N 15"),
    ("input", "3,522 pixels interpolated (quadratic) to 5,000, folded 50 x 100",
     "about 440 native pixels resampled (linear) to 512, folded 16 x 32",
     "the native SpeX sampling; no pixels invented"),
    ("SVM baseline", "SVM on raw spectra, untuned (training accuracy 1.0)",
     "RBF SVC on normalised flux with C and gamma chosen by source-disjoint CV; kNN, chi-square template "
     "matching and chi-square against the near-infrared standards tuned the same way",
     "a verdict against the strongest baseline, not a weak one"),
    ("network training", "not stated beyond the DNN's SGD at 1e-4",
     "Adam at 1e-3, divided by 3 when the validation loss stalls, with early stopping on held-out sources "
     "(full profile: learning rate and EMCCNN's kernels by CV)", "the same recipe for every network"),
    ("split", "not stated", "75/25 by source, stratified; repeated in the full profile",
     "spectra of one star are not independent"),
)


def _band_name(band):
    if band is None:
        return "the whole spectrum"
    low, high = band
    return f"{low.value:g}-{high.to_value(low.unit):g} {low.unit}"


def report(context, outcome, doc):
    """Add the EMCCNN experiment's sections to ``doc``; write ``per_class.csv`` and the figures."""
    output, profile, results = context.output, context.profile, outcome.results
    fitted, splits = outcome.keep["fitted"], outcome.keep["splits"]
    n_splits = n_splits_of(next(iter(results.values()))) if results else 1
    doc.text(
        "Data: the SpeX Prism Library shipped with astrospecml (real near-infrared spectra of M, L and T "
        "dwarfs), resampled to 512 pixels over 0.90-2.40 um. Split: 75/25 by source, stratified, so that no "
        "star has spectra on both sides"
        + (f", drawn {n_splits} times with seeds {context.random_state}-{context.random_state + n_splits - 1}; "
           "every model is tuned, trained and scored on each split, and the tables give mean ± standard deviation "
           "over the splits" if n_splits > 1 else "") + ". Hyperparameters: the baselines' by source-disjoint "
        f"{profile.svc_folds}-fold grid search on the training set (SVC: C and gamma; kNN on normalised flux: "
        "neighbours and weighting; chi-square template matching: wavelength band and template statistic; "
        "'Standards', for SpeX subtypes only, not tuned: the routine that assigned those labels, chi-square "
        "against the 30 near-infrared standard spectra M0-T9 (Kirkpatrick et al. 2010; Burgasser et al. 2006; "
        "Cushing et al. 2011) over 0.9-1.4 um, each spectrum on its own pixels with the standards interpolated "
        "onto them, weighted by its own inverse variance (a constant one where the library gives none), free "
        "flux scale; the standards' stars always train, so no model is scored on them); "
        "the networks stop early on held-out "
        "training sources" + (" and their learning rate (EMCCNN: also kernel sizes"
                              + ("; 1D networks: also the band, " + " or ".join(_band_name(b) for b in profile.bands)
                                 if profile.bands else "")
                              + f") is chosen by source-disjoint {profile.net_folds}-fold CV"
                              if profile.net_grids else "")
        + f" (at most {profile.max_epochs} epochs, patience {profile.patience}"
        + ("; learning rate divided by 3 whenever the validation loss stalls for 3 epochs"
           if profile.lr_schedule == "plateau" else "") + "). The test set is used once. "
        "Within-one is the fraction of test spectra within one subtype; RMS is in subtypes. Throughput is "
        "`predict` on the whole test set, preprocessing included, spectra per second"
        + (" (first split); per-class F1, the confusion matrices and the learning curves are those of the first "
           "split." if n_splits > 1 else "."))
    if profile.name == "quick":
        doc.text("The quick profile trains each network once with its default widths"
                 + (" on one split" if n_splits == 1 else "") + "; run `astrospecml benchmark` (the full profile: "
                 "cross-validated learning rates, seed ensembles, 5 repeated splits) for the numbers users should "
                 "judge by.")
    if any(name.endswith(ENSEMBLE) for target_results in results.values() for name in target_results):
        doc.text(f"A model named '<network>{ENSEMBLE}' averages the probabilities of {profile.ensemble_members} "
                 "copies of that network trained with different seeds (`SeedEnsembleClassifier`), with the "
                 "settings the network's own search chose on the same training sources; its parameter count is "
                 "that of all copies, its epochs their mean.")
    doc.heading("How faithful is this test", 2)
    doc.table(["", "EMCCNN paper", "here", "why"], [list(row) for row in FAITHFULNESS])
    example_written = False
    per_class_rows = []
    for target, target_results in results.items():
        data, train, test = splits[target]
        title = TARGETS[target]
        names = list(target_results)
        doc.heading(title, 2)
        doc.text(f"{len(train)} training spectra of {len(np.unique(data.groups[train]))} sources, {len(test)} test "
                 f"spectra of {len(np.unique(data.groups[test]))} sources, {len(np.unique(data.y))} classes"
                 + (f"; classes with fewer than 6 spectra left out: "
                    f"{', '.join(f'{_label(k)} ({v})' for k, v in data.dropped.items())}" if data.dropped else "")
                 + ".")
        if target == "spex_type" and data.native is not None:
            found = standards_reproduction(data)
            n_pairs, same, _ = label_agreement(data.y, data.groups)
            bins = "; ".join(f"{name} {accuracy:.1%} of {n}" for name, (accuracy, n) in found["by_snr"].items())
            doc.text(f"How far the labels can be matched: SpeX types were assigned spectrum by spectrum by the "
                     f"'Standards' routine, which learns nothing. Run over all {found['n']} spectra not of a "
                     f"standard star, it reproduces {found['exact']:.1%} of their labels exactly and "
                     f"{found['within_one']:.1%} within one subtype (RMS {found['rms']:.2f}; by S/N: {bins}). "
                     "A label is close to a deterministic function of its spectrum, so a model can be expected to "
                     "match about that many"
                     + (f"; two spectra of one star share a type in only {same:.1%} of {n_pairs} pairs because the "
                        "spectra differ (epoch, S/N, binarity), which limits nothing." if n_pairs else "."))
        sentences, comparison = verdict(target_results, data.y[test], data.snr[test], BASELINES)
        doc.text(sentences)
        doc.table(*model_table(target_results))
        if comparison:
            doc.heading("Best network against each classical baseline", 3)
            doc.table(*comparison)
        bins = [label for label, _, _ in SNR_BINS]
        counts = [target_results[names[0]]["accuracy_by_snr"][b][1] for b in bins]
        doc.heading("Accuracy per S/N bin", 3)
        doc.table(["model"] + [f"{b} (n={n}{' in split 1' if n_splits > 1 else ''})" for b, n in zip(bins, counts)],
                  [[n] + [bin_cell(m, b, n_splits) for b in bins] for n, m in target_results.items()])
        doc.heading("F1 per class" + (" (first split)" if n_splits > 1 else ""), 3)
        labels = target_results[names[0]]["labels"]
        doc.table(["class", "test n"] + names,
                  [[_label(label), target_results[names[0]]["per_class"][label]["support"]]
                   + [_fmt(target_results[n]["per_class"][label]["f1"], 2) for n in names] for label in labels])
        for name in names:
            for label, row in target_results[name]["per_class"].items():
                per_class_rows.append([target, name, _label(label), row["precision"], row["recall"], row["f1"],
                                       row["support"]])
        chosen = [(n, [split["chosen"] for split in m["splits"]]) for n, m in target_results.items() if m["chosen"]]
        if chosen:
            doc.heading("Hyperparameters chosen by cross-validation on the training sources", 3)
            doc.table(["model", "chosen" + (" on each split" if n_splits > 1 else "")],
                      [[n, " / ".join(", ".join(f"{k}={_setting(v)}" for k, v in c.items()) for c in per_split)]
                       for n, per_split in chosen])
        doc.heading("Figures", 3)
        _plot_confusions(output / f"confusion_{target}.png", target_results, title)
        _plot_snr(output / f"accuracy_vs_snr_{target}.png", target_results, title)
        _plot_train_test(output / f"train_vs_test_{target}.png", target_results, title)
        doc.image(f"accuracy_vs_snr_{target}.png", f"Test accuracy per S/N bin, {title}.")
        doc.image(f"train_vs_test_{target}.png", f"Train versus test accuracy, {title}.")
        if _plot_learning_curves(output / f"learning_curves_{target}.png", fitted, target, names, title):
            doc.image(f"learning_curves_{target}.png", f"Training and validation loss per epoch, {title}.")
        doc.image(f"confusion_{target}.png", f"Confusion matrices, {title}.")
        if not example_written:
            _plot_examples(output / "examples.png", data, FOLD_SHAPE)
            doc.image("examples.png", "Example spectra and their folded images.")
            example_written = True
    with open(output / "per_class.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["target", "model", "class", "precision", "recall", "f1", "support"])
        writer.writerows(per_class_rows)
