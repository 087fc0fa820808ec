"""Time LocallyConnected1d (vectorised) against a loop over positions.

Run: ``python benchmarks/performance/locally_connected.py``.  Prints, for each input
length, the largest difference between the two and their forward and
forward+backward times on this machine's CPU threads.
"""
import argparse
import time

import torch

from astrospecml.nn.locally_connected import LocallyConnected1d, _loop_reference


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--channels", type=int, nargs=2, default=[8, 8], metavar=("IN", "OUT"))
    parser.add_argument("--kernel-size", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
          f"channels {args.channels[0]}->{args.channels[1]}, kernel {args.kernel_size}")
    print(f"{'length':>7} {'max |diff|':>11} {'loop fwd ms':>12} {'vec fwd ms':>11} {'speed-up':>9} "
          f"{'loop f+b ms':>12} {'vec f+b ms':>11} {'speed-up':>9}")
    for length in args.lengths:
        layer = LocallyConnected1d(*args.channels, input_length=length, kernel_size=args.kernel_size,
                                   padding="same")
        x = torch.randn(args.batch, args.channels[0], length, requires_grad=True)
        with torch.no_grad():
            diff = (layer(x) - _loop_reference(layer, x)).abs().max().item()
            loop = best_time(lambda: _loop_reference(layer, x), args.repeats)
            vectorised = best_time(lambda: layer(x), args.repeats)
        loop_fb = best_time(lambda: _loop_reference(layer, x).sum().backward(), args.repeats)
        vectorised_fb = best_time(lambda: layer(x).sum().backward(), args.repeats)
        print(f"{length:>7} {diff:>11.2e} {loop * 1e3:>12.1f} {vectorised * 1e3:>11.2f} {loop / vectorised:>8.0f}x "
              f"{loop_fb * 1e3:>12.1f} {vectorised_fb * 1e3:>11.2f} {loop_fb / vectorised_fb:>8.0f}x")


if __name__ == "__main__":
    main()
