"""The documentation's promises that a test can check: every public name has a runnable example."""
import importlib
import inspect
import re
from pathlib import Path

import pytest

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def _public_names():
    """(module, name) of every class and function the API reference documents."""
    for module_name in re.findall(r"automodapi:: (\S+)", API_PAGE.read_text()):
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield module_name, name


PUBLIC = list(_public_names())


def test_the_api_reference_documents_the_whole_package():
    assert len(PUBLIC) > 100
    assert {"astrospecml.classifiers", "astrospecml.survey", "astrospecml.persistence"} <= {m for m, _ in PUBLIC}


@pytest.mark.parametrize(("module_name", "name"), PUBLIC, ids=[f"{m}.{n}" for m, n in PUBLIC])
def test_every_public_class_and_function_has_an_example(module_name, name):
    # The examples themselves run as doctests (pytest-doctestplus) in this suite.
    doc = inspect.getdoc(getattr(importlib.import_module(module_name), name)) or ""
    assert re.search(r"^Examples\n-+\n", doc, re.MULTILINE) and ">>>" in doc, \
        f"{module_name}.{name} has no Examples section with a runnable example"
