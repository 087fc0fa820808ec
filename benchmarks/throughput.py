"""EMCCNN-1D prediction throughput against the machine's matrix-multiply rate.

Run:  python benchmarks/throughput.py [--threads 2] [--pixels 512]

Prints spectra per second at batch sizes 1, 64, 256 and 1024 for the
network alone (``module(x)`` under ``torch.inference_mode``, as trained) and
through the scikit-learn estimator (``predict_proba`` on 2,048 spectra with
that ``predict_batch_size``, which adds input validation, the
standardisation and the batching, and runs the network with its batch norms
folded into its convolutions), the network's FLOPs per spectrum (counted by
``torch.utils.flop_counter``), and the ratio of each achieved FLOP rate to a
float32 matrix-multiply rate measured here with the same thread count.  The
default configuration is the benchmark's: 512 pixels, 29 classes.
"""
import argparse
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from astrospecml.classifiers import EMCCNNClassifier


def best_rate(function, items, seconds=2.0):
    """Items per second of ``function()``, best of repeated runs within ``seconds``."""
    function()  # warm-up: oneDNN picks its kernels on the first call
    best, spent = np.inf, 0.0
    while spent < seconds:
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return items / best


def matmul_rate(size=2048):
    a, b = torch.randn(size, size), torch.randn(size, size)
    return best_rate(lambda: a @ b, 2 * size**3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pixels", type=int, default=512)
    parser.add_argument("--classes", type=int, default=29)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 0.1, size=(2048, args.pixels)).astype(np.float32)
    y = np.arange(len(X)) % args.classes
    clf = EMCCNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    module = clf.net_.module_.eval()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        module(torch.as_tensor(X[:1]))
    flops = counter.get_total_flops()
    peak = matmul_rate()
    print(f"EMCCNN-1D default, {args.pixels} pixels, {args.classes} classes, {clf.n_parameters_:,} parameters, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"FLOPs per spectrum: {flops:,} ({flops / 1e6:.2f} MFLOP)")
    print(f"float32 matmul rate (2048 x 2048): {peak / 1e9:.1f} GFLOP/s")
    print("FLOP rates of the network alone (as trained, batch norms separate) and of predict_proba (batch norms "
          "folded into the convolutions, input checks and standardisation included), against the matmul rate")
    print(f"{'batch':>6} {'network /s':>12} {'of matmul':>9} {'estimator /s':>13} {'GFLOP/s':>8} {'of matmul':>9}")
    for batch in (1, 64, 256, 1024):
        x = torch.as_tensor(X[:batch])
        with torch.inference_mode():
            network = best_rate(lambda: module(x), batch)
        clf.set_params(predict_batch_size=batch)
        estimator = best_rate(lambda: clf.predict_proba(X), len(X))
        print(f"{batch:>6} {network:>12,.0f} {network * flops / peak:>9.1%} {estimator:>13,.0f} "
              f"{estimator * flops / 1e9:>8.2f} {estimator * flops / peak:>9.1%}")


if __name__ == "__main__":
    main()
