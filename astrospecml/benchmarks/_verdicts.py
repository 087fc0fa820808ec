"""The tables and verdicts of the experiments that score models over repeated splits.

A model's cell (mean ± standard deviation over the splits, or the one
split's number), its accuracy per S/N bin, and the verdict of the best
network against the strongest baseline with its interval: the EMCCNN and
MILES reports say these the same way.
"""
import numpy as np

from ._document import fmt
from .metrics import SNR_BINS, paired_bootstrap_difference, repeated_split_difference

__all__ = ["bin_accuracies", "bin_cell", "bin_mean_and_std", "cell", "comparison_rows", "mean_accuracy",
           "model_table", "n_splits_of", "size", "verdict"]


def size(metrics):
    if metrics["n_parameters"] is not None:
        return f"{metrics['n_parameters']:,}"
    if metrics["n_support_vectors"] is not None:
        return f"{metrics['n_support_vectors']:,} SV"
    return "-"


def n_splits_of(target_results):
    return len(next(iter(target_results.values()))["splits"])


def cell(metrics, key, digits=3):
    """Mean ± std over the splits, or the one split's number."""
    if len(metrics["splits"]) > 1:
        return f"{metrics['mean'][key]:.{digits}f} ± {metrics['std'][key]:.{digits}f}"
    return fmt(metrics[key], digits)


def bin_accuracies(metrics, label):
    """The model's accuracy in one S/N bin on each split (NaN where the bin is empty)."""
    return np.array([split["accuracy_by_snr"][label][0] for split in metrics["splits"]], dtype=float)


def bin_mean_and_std(metrics, label):
    """Mean and standard deviation of the model's accuracy in one S/N bin over the splits that have spectra there."""
    values = bin_accuracies(metrics, label)
    values = values[np.isfinite(values)]
    return (float(values.mean()), float(values.std())) if len(values) else (float("nan"), float("nan"))


def bin_cell(metrics, label, n_splits):
    mean, spread = bin_mean_and_std(metrics, label)
    return f"{fmt(mean)} ± {fmt(spread)}" if n_splits > 1 and np.isfinite(mean) else fmt(mean)


def mean_accuracy(metrics):
    return metrics["mean"]["test_accuracy"]


def comparison_rows(target_results, net, base, y_test, snr_test):
    """``(label, difference, low, high)`` of ``net`` minus ``base``, overall then per S/N bin.

    Over two or more splits: the mean paired difference with its corrected
    resampled t interval.  On one split: the paired bootstrap over the test
    spectra of that split (``y_test``, ``snr_test``).
    """
    a, b = target_results[net], target_results[base]
    if len(a["splits"]) > 1:
        fraction = float(np.mean([split["test_fraction"] for split in a["splits"]]))
        rows = [("all spectra", *repeated_split_difference([s["test_accuracy"] for s in a["splits"]],
                                                           [s["test_accuracy"] for s in b["splits"]], fraction))]
        for label, _, _ in SNR_BINS:
            x, y = bin_accuracies(a, label), bin_accuracies(b, label)
            filled = np.isfinite(x) & np.isfinite(y)
            if filled.sum() >= 2:
                rows.append((label, *repeated_split_difference(x[filled], y[filled], fraction)))
        return rows
    correct = {n: np.asarray(target_results[n]["y_pred"]) == np.asarray(y_test) for n in (net, base)}
    rows = [("all spectra", *paired_bootstrap_difference(correct[net], correct[base]))]
    for label, lo, hi in SNR_BINS:
        inside = (np.asarray(snr_test) >= lo) & (np.asarray(snr_test) < hi)
        if inside.sum() >= 2:
            rows.append((label, *paired_bootstrap_difference(correct[net][inside], correct[base][inside])))
    return rows


def verdict(target_results, y_test, snr_test, baselines):
    """Sentences comparing the best network with the strongest baseline and EMCCNN with the SVC, and a table.

    The table sets the best network against every one of ``baselines``
    (header, rows), or is None.
    """
    out, table = [], None
    n_splits = n_splits_of(target_results)
    over = f" (mean over {n_splits} splits)" if n_splits > 1 else ""
    ranked = sorted(target_results, key=lambda n: -mean_accuracy(target_results[n]))
    out.append(f"Best test accuracy{over}: **{ranked[0]}** ({mean_accuracy(target_results[ranked[0]]):.3f}); "
               f"ranking: {', '.join(ranked)}.")
    networks = [n for n in ranked if n not in baselines]
    classical = [n for n in ranked if n in baselines]
    if classical and networks:
        net, base = networks[0], classical[0]
        rows = comparison_rows(target_results, net, base, y_test, snr_test)
        _, difference, low, high = rows[0]
        verdict = ("ahead of it" if low > 0 else "behind it" if high < 0
                   else "not distinguishable from it")
        interval = (f"95% corrected resampled t interval over {n_splits} splits (Nadeau & Bengio 2003)"
                    if n_splits > 1 else "95% paired bootstrap interval over test spectra")
        out.append(f"The best network, {net}, against the strongest baseline, {base}: {difference:+.3f} "
                   f"({interval} [{low:+.3f}, {high:+.3f}]), {verdict}"
                   + ("; both were picked by these test scores, so the margin between them is, if anything, "
                      "flattered." if n_splits > 1 else
                      "; one split and one training run per model, so the interval does not cover the spread "
                      "between splits or trainings."))
        against = {other: comparison_rows(target_results, net, other, y_test, snr_test) for other in classical}
        ahead = [other for other, comparison in against.items() if comparison[0][2] > 0]
        bins_ahead = [label for label, _, _ in SNR_BINS
                      if all(any(row[0] == label and row[2] > 0 for row in comparison)
                             for comparison in against.values())]
        out.append(f"Against each classical baseline, {net} is ahead overall of {len(ahead)} of {len(classical)}"
                   + (f" ({', '.join(ahead)})" if ahead else "") + f" and ahead of all of them in {len(bins_ahead)} "
                   f"of {len(SNR_BINS)} S/N bins" + (f" ({', '.join(bins_ahead)})" if bins_ahead else "") + ".")
        table = (["baseline", "spectra", f"{net} − baseline", "95% interval", "verdict"],
                 [[other, label, f"{d:+.3f}", f"[{a:+.3f}, {b:+.3f}]",
                   "network ahead" if a > 0 else "baseline ahead" if b < 0 else "level"]
                  for other, comparison in against.items() for label, d, a, b in comparison])
    if "SVC" in target_results:
        svc = {label: bin_mean_and_std(target_results["SVC"], label)[0] for label, _, _ in SNR_BINS}
        for name in ("EMCCNN-1D", "EMCCNN-2D"):
            if name not in target_results:
                continue
            mine = {label: bin_mean_and_std(target_results[name], label)[0] for label, _, _ in SNR_BINS}
            filled = [b for b in svc if np.isfinite(svc[b]) and np.isfinite(mine[b])]
            wins = [b for b in filled if mine[b] > svc[b]]
            losses = [b for b in filled if mine[b] <= svc[b]]
            out.append(f"{name} beats the SVC{over} in {len(wins)} of {len(filled)} S/N bins"
                       + (f" (not in: {', '.join(losses)})." if losses else "."))
    return " ".join(out), table


def model_table(task_results):
    """Header and rows of the table of every model of one task: accuracies, within-one, RMS, size and speed."""
    return (["model", "train acc", "test acc", "macro F1", "within-1", "RMS", "params", "epochs", "fit s",
             "predict /s"],
            [[n, cell(m, "train_accuracy"), cell(m, "test_accuracy"), cell(m, "test_macro_f1"),
              cell(m, "test_within_one"), cell(m, "test_rms_subtype", 2), size(m),
              m["epochs"] if m["epochs"] is not None else "-", f"{m['mean']['fit_seconds']:.0f}",
              f"{m['predict_per_second']:,.0f}"] for n, m in task_results.items()])
