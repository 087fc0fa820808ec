"""Wheels of what astrospecml needs beyond what an offline machine has, for that machine's Python.

Run here, online, in the environment the tests pass in:

    python benchmarks/performance/offline_wheels.py --have have.txt --python-version 3.12 -d .whl

``have.txt`` lists the distributions the offline machine already has, one per
line (``python3 -m pip list --format=freeze`` there, or names alone): a GPU
node's image typically holds torch, numpy, scipy and scikit-learn but not
astropy, specutils, skorch or Dask.  The script follows the requirements of
``astrospecml[survey,onnx]`` (``--extras``) through the metadata of the
packages installed here, leaves out every one the machine has, and downloads
binary wheels of the rest, at the versions installed here, for the machine's
Python and Linux (``--platform``).  Copy the folder there and, from the
project's root:

    python3 -m pip install --no-index --no-deps --target /tmp/site .whl/*.whl
    PYTHONPATH=/tmp/site:. python3 benchmarks/performance/node.py

``--dry-run`` prints the list without downloading.
"""
import argparse
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as normalise  # PEP 503: how pip compares names

PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux1_x86_64")


def names_in(lines):
    """Distribution names of ``pip list --format=freeze`` lines or bare names; blank lines and comments skipped."""
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(normalise(re.split(r"[=<>!~ @;\[]", line, maxsplit=1)[0]))
    return names


def missing_requirements(root, extras, have):
    """``{name: version}`` of every distribution ``root[extras]`` needs, directly or not, that ``have`` lacks.

    Versions are those installed here; a requirement met by ``have`` is not
    followed further (the machine has that package's own requirements).
    Raises when a needed distribution is not installed here either.
    """
    need, seen, todo = {}, set(), [(root, frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        if (normalise(name), wanted) in seen:
            continue
        seen.add((normalise(name), wanted))
        try:
            installed = distribution(name)
        except PackageNotFoundError:
            raise LookupError(f"{name} is needed but not installed here: install the project with its extras "
                              "first, so that its requirements can be followed.") from None
        if normalise(name) != normalise(root):
            need[normalise(name)] = installed.version
        for text in installed.requires or []:
            requirement = Requirement(text)
            applies = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (sorted(wanted) or [""]))
            if applies and normalise(requirement.name) not in have:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(need.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--have", required=True, help="file listing the distributions the machine has")
    parser.add_argument("--python-version", default="3.12", help="the machine's Python (default: %(default)s)")
    parser.add_argument("--platform", nargs="+", default=list(PLATFORMS), help="its wheel platform tags")
    parser.add_argument("--extras", default="survey,onnx", help="astrospecml's extras (default: %(default)s)")
    parser.add_argument("-d", "--dest", default=".whl", help="folder for the wheels (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print what is needed, download nothing")
    args = parser.parse_args(argv)
    with open(args.have) as handle:
        have = names_in(handle)
    need = missing_requirements("astrospecml", [e for e in args.extras.split(",") if e], have)
    pins = [f"{name}=={version}" for name, version in need.items()]
    print("\n".join(pins))
    if args.dry_run or not pins:
        return pins
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--implementation", "cp",
               "--python-version", args.python_version, "-d", args.dest]
    for platform in args.platform:
        command += ["--platform", platform]
    subprocess.run(command + pins, check=True)
    return pins


if __name__ == "__main__":
    main()
