"""pytest collection of the documentation: the hand-written pages only.

sphinx-gallery writes copies of the example scripts (and pages holding their
code) into docs/gallery and docs/tutorials; they run when the docs build,
not under pytest.
"""
collect_ignore_glob = ["gallery/*", "tutorials/*", "sg_execution_times.rst", "_build/*", "conf.py"]
