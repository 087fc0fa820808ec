"""How long the ``astrospecml`` command takes to answer ``--help`` and ``--version``.

Run:  python benchmarks/performance/cli_startup.py [--repeat 5]

Each command runs in a fresh process (the console script, or ``python -m
astrospecml.cli`` where the script is not installed), ``--repeat`` times;
the median and the slowest wall-clock times are printed.  The package
loads its subpackages on first use, so these commands import neither
torch, scikit-learn, specutils nor pandas (also printed, from
``sys.modules`` of a process that parsed ``--help``).
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("torch", "sklearn", "skorch", "specutils", "pandas", "astropy")


def startup_seconds(arguments, repeat):
    script = shutil.which("astrospecml")
    command = [script] if script else [sys.executable, "-m", "astrospecml.cli"]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([*command, *arguments], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def heavy_modules_loaded():
    probe = ("import sys, contextlib, io\nfrom astrospecml.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main(['--help'])\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for arguments in (["--help"], ["--version"], ["predict", "--help"]):
        times = startup_seconds(arguments, args.repeat)
        print(f"astrospecml {' '.join(arguments):15s} median {statistics.median(times):.2f} s, "
              f"slowest {max(times):.2f} s over {args.repeat} runs")
    print("heavy libraries imported by --help: " + (", ".join(heavy_modules_loaded()) or "none"))
