"""The MAC-Net experiment's report: per-seed tables, the paper's pairwise comparisons, Grad-CAM, figures."""
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay

from .._document import subplots
from .run import PAPER_PARAMETERS, paper_shape_parameters

__all__ = ["FAITHFULNESS", "report"]

PAPER_ACCURACY = {"1D SSCNN": 0.942, "M-Net": 0.968, "C-Net": 0.872, "MC-Net": 0.976, "MAC-Net": 0.986}
TASK_TITLES = {"optical": "Optical galaxies, quasars and stars (simulated)",
               "spex": "SpeX M, L and T dwarfs with real 2MASS colours"}
FAITHFULNESS = (
    ("data", "LAMOST DR6 2D spectra with SDSS g, r, i cut-outs: 1223 galaxies, 466 quasars, 1202 stars",
     "simulated LAMOST-like stripes and SDSS-like cut-outs in the paper's proportions (quick: a quarter of the "
     "sample); SpeX dwarfs as near-infrared stripes with cut-outs from their real 2MASS magnitudes",
     "no LAMOST frames or SDSS images can be shipped or downloaded"),
    ("1D input", "calibrated, sky-subtracted pipeline spectra (Liu et al. 2019's 1D SSCNN)",
     "the boxcar extraction of the same 11 rows the 2D networks see, minus the median extraction of 10 sky "
     "fibres of the same frame", "the 1D networks get what a pipeline gives them, the paper's own explanation of "
     "why its 1D network beats C-Net; the 2D networks see the raw stripes, sky included, as in the paper"),
    ("widths", "Conv 3x20 with 128, 64, 64, 64 filters; Dense 4096, 1024; GoogLeNet stem and Inception widths",
     "full profile: the paper's widths (the classifiers' defaults), 70-88 M parameters at its shapes against "
     "its 133-360 M (table below); quick profile: the same layers, narrower", "the paper's widths are a GPU's "
     "work (12 s per batch of 32 stripes on 2 CPU cores); the quick profile must run in minutes on 2 cores"),
    ("training", "AdaGrad at 1e-3, batch 4, 300 epochs, early stopping after 50, class weights 1:3:1",
     "Adam at 1e-3, batch 32, early stopping on held-out sources (profile's epochs and patience), class "
     "weights 1:3:1 on the optical task", "the same recipe for every network, within the time at hand"),
    ("split", "8:1:1, one split", "80/20 by source, one split in the quick profile (``--splits`` for more) and "
     "five in the full one",
     "sources kept on one side; verdicts over repeated splits where the time allows"),
)


def _plot_confusions(path, results, title):
    names = list(results)
    fig, axes = subplots(1, len(names), figsize=(3.3 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        matrix = np.asarray(results[name]["confusion"], dtype=float)
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        ConfusionMatrixDisplay(matrix, display_labels=results[name]["labels"]).plot(
            ax=ax, values_format=".2f", colorbar=False, cmap="viridis")
        ax.set_title(f"{name}: {results[name]['accuracy']:.3f}", fontsize=9)
    fig.suptitle(f"Confusion matrices, rows normalised: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_cams(path, cams, data, title):
    labels = list(cams)
    fig, axes = subplots(len(labels), 3, figsize=(13, 2.6 * len(labels)), squeeze=False,
                         gridspec_kw={"width_ratios": [2, 2, 1]})
    for row, label in zip(axes, labels):
        for ax, arm in zip(row[:2], ("blue", "red")):
            wavelength = data.wavelength[arm]
            x = wavelength.value
            ax.fill_between(x, 0, cams[label][arm], color="tab:orange", alpha=0.5, label="Grad-CAM")
            flux = cams[label]["mean_stripe"][arm]
            ax.plot(x, (flux - flux.min()) / (np.ptp(flux) or 1.0), color="k", lw=0.7, label="mean stripe flux")
            ax.set_xlim(x[0], x[-1])
            ax.set_ylim(0, 1.05)
            ax.set_title(f"{label}, {arm} arm (mean of {cams[label]['n']} test objects)", fontsize=9)
            ax.set_xlabel(f"wavelength [{wavelength.unit.to_string()}]", fontsize=8)
        image = cams[label]["example_image"]
        row[2].imshow(np.clip((image + 1) / 2, 0, 1), origin="lower")
        row[2].imshow(cams[label]["image"], origin="lower", cmap="inferno", alpha=0.45)
        row[2].set_title(f"{label}: a cut-out, mean Grad-CAM", fontsize=9)
        row[2].set_axis_off()
    axes[0][0].legend(fontsize=7, loc="upper right")
    fig.suptitle(f"MAC-Net Grad-CAM for each class: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_examples(path, data, title):
    labels = np.unique(data.y)
    fig, axes = subplots(len(labels), 3, figsize=(13, 2.2 * len(labels)), squeeze=False,
                         gridspec_kw={"width_ratios": [2, 2, 1]})
    for row, label in zip(axes, labels):
        i = int(np.flatnonzero(data.y == label)[0])
        for ax, arm in zip(row[:2], ("blue", "red")):
            ax.imshow(data.X[arm][i], aspect="auto", cmap="gray", origin="lower")
            ax.set_title(f"{label}: {arm} stripe", fontsize=9)
            ax.set_yticks([])
        row[2].imshow(np.clip((data.X["image"][i] + 1) / 2, 0, 1), origin="lower")
        row[2].set_title(f"{label}: cut-out", fontsize=9)
        row[2].set_axis_off()
    fig.suptitle(f"One object of each class: {title}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _verdict(task):
    """What the runs say about the paper's ordering MAC-Net > MC-Net > C-Net and 'images help'."""
    lines = []
    first = next(iter(task["runs"].values()))
    order = sorted(first, key=lambda name: -first[name]["accuracy"])
    lines.append("Ranking by test accuracy (first split): " + " > ".join(
        f"{name} ({first[name]['accuracy']:.3f})" for name in order) + ".")
    accuracy = {name: np.mean([run[name]["accuracy"] for run in task["runs"].values()]) for name in first}
    ordering = accuracy["MAC-Net"] > accuracy["MC-Net"] > accuracy["C-Net"]
    images = accuracy["MC-Net"] > accuracy["C-Net"] and accuracy["M-Net"] > accuracy["1D SSCNN"]
    lines.append(f"By mean accuracy over {len(task['runs'])} split(s), the paper's ordering MAC-Net > MC-Net > "
                 f"C-Net {'holds' if ordering else 'does not hold'}, and images "
                 f"{'' if images else 'do not '}help both the 2D and the 1D networks"
                 ". The intervals below say which differences the data can resolve: over repeated splits the "
                 "corrected resampled t interval (Nadeau & Bengio 2003), which covers the spread between splits and "
                 "trainings; per split the paired bootstrap, which covers the test sample only.")
    for comparison in task.get("repeated", []):
        low, high = comparison["low"], comparison["high"]
        word = (f"{comparison['a']} is better" if low > 0 else f"{comparison['a']} is worse" if high < 0
                else "no significant difference")
        lines.append(f"- {comparison['a']} - {comparison['b']} ({comparison['changes']}), mean over "
                     f"{comparison['n_splits']} splits: {comparison['difference']:+.3f} [95% corrected resampled t "
                     f"{low:+.3f}, {high:+.3f}]: {word}.")
    for comparison in task["comparisons"]:
        a, b = comparison["a"], comparison["b"]
        low, high = comparison["low"], comparison["high"]
        if low > 0:
            word = f"{a} is better"
        elif high < 0:
            word = f"{a} is worse"
        else:
            word = "no significant difference"
        lines.append(f"- {a} - {b} ({comparison['changes']}), seed {comparison['seed']}: "
                     f"{comparison['difference']:+.3f} [95% paired bootstrap {low:+.3f}, {high:+.3f}]: {word}.")
    return "\n".join(lines)


def report(context, outcome, doc):
    """Add the MAC-Net experiment's sections to ``doc``; write the figures."""
    output, report, keep = context.output, outcome.results, outcome.keep
    doc.text("Five networks that differ in one thing at a time, as in the MAC-Net paper: 1D SSCNN (the "
             "extracted 1D spectrum), M-Net (1D spectrum + image), C-Net (blue and red 2D stripes), MC-Net "
             "(stripes + image) and MAC-Net (MC-Net + CBAM). The paper's accuracies on LAMOST/SDSS: "
             + ", ".join(f"{k} {v:.3f}" for k, v in PAPER_ACCURACY.items()) + ". Inference time is per object on "
             "the CPU threads named above, predicting the whole test set in one call, preprocessing included.")
    doc.heading("How faithful is this test", 2)
    doc.table(["", "MAC-Net paper", "here", "why"], [list(row) for row in FAITHFULNESS])
    counts = paper_shape_parameters()
    doc.text("Parameters at the paper's widths and input shapes (11 x 2000 pixels per arm, 64 x 64 x 3 "
             "cut-outs), counted from our networks, beside the paper's Table 5. The paper does not give the "
             "flattened sizes that its dense layers see; ours follow from four 2 x 2 poolings of each arm.")
    doc.table(["network", "paper", "here, at the paper's shapes", "here, in this run"],
              [[name, f"{PAPER_PARAMETERS[name] / 1e6:.0f} M", f"{counts[name] / 1e6:.1f} M",
                f"{next(iter(next(iter(report['tasks'].values()))['runs'].values()))[name]['n_parameters']:,}"]
               for name in PAPER_PARAMETERS])
    for name, task in report["tasks"].items():
        title = TASK_TITLES.get(name, name)
        doc.heading(title, 2)
        doc.text(task["description"] + " Classes: " + ", ".join(f"{c} {n}" for c, n in task["classes"].items())
                 + "." + (" " + " ".join(task["notes"]) if task["notes"] else ""))
        if len(task["runs"]) >= 2:
            doc.heading(f"Accuracy over {len(task['runs'])} source-disjoint splits", 3)
            # The paper's accuracies are on its galaxies, quasars and stars: beside the optical task only.
            paper = name == "optical"
            doc.table(["model", "mean ± std", "lowest", "highest"] + (["paper (LAMOST/SDSS)"] if paper else []),
                      [[model, f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}", f"{min(values):.3f}",
                        f"{max(values):.3f}"] + ([f"{PAPER_ACCURACY[model]:.3f}"] if paper else [])
                       for model, values in ((model, [run[model]["accuracy"] for run in task["runs"].values()])
                                             for model in next(iter(task["runs"].values())))])
        for seed, results in task["runs"].items():
            labels = next(iter(results.values()))["labels"]
            headers = ["model", "accuracy"] + [f"{c} P / R / F1" for c in labels] + [
                "parameters", "ms / object", "train s", "epochs"]
            rows = []
            for model, r in results.items():
                rows.append([model, f"{r['accuracy']:.3f}"] + [
                    f"{r['per_class'][c]['precision']:.3f} / {r['per_class'][c]['recall']:.3f} / "
                    f"{r['per_class'][c]['f1']:.3f}" for c in labels] + [
                    f"{r['n_parameters']:,}", f"{r['inference_ms']:.2f}", f"{r['train_seconds']:.0f}",
                    str(r["epochs"])])
            doc.heading(f"Test set, split seed {seed}", 3)
            doc.table(headers, rows)
        doc.heading("Does the paper's ordering hold?", 3)
        doc.text(_verdict(task))
        first_seed = next(iter(task["runs"]))
        confusion = f"{name}_confusion.png"
        _plot_confusions(output / confusion, task["runs"][first_seed], title)
        doc.image(confusion, f"Confusion matrices of the five networks ({title}, seed {first_seed}).")
        kept = keep[name]
        cams = f"{name}_grad_cam.png"
        _plot_cams(output / cams, kept["cams"], kept["data"], title)
        doc.image(cams, "MAC-Net's Grad-CAM per class over each arm's wavelengths (orange, mean over correctly "
                        "classified test objects, under the mean stripe flux) and over the cut-out.")
        examples = f"{name}_examples.png"
        _plot_examples(output / examples, kept["data"], title)
        doc.image(examples, "The inputs: each class's blue and red stripes and its cut-out.")
