"""The documentation's promises that a test can check: every public name has a runnable example."""
import importlib
import inspect
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_PAGE = DOCS / "api.rst"


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


# The source papers: the first author as docstrings cite them, and the DOI every citation must carry.
SOURCE_PAPERS = {"Jiang, B.": "10.3390/universe6040060", "Yang, W.-Y.": "10.3389/fspas.2021.634328",
                 "Zhang, M.-R.": "10.1088/1674-4527/ace297", "Zhang, M., Gao, J.": "10.1093/rasti/rzad026"}


def test_docstrings_cite_the_source_papers_by_doi_with_one_author_list():
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "astrospecml"
    cited = set()
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "shared/seeds" not in text, f"{path.name} cites a repository folder instead of the paper"
        # A reference entry: '.. [label] text', continued on the more indented lines below it.
        for entry in re.findall(r"\.\. \[[\w-]+\] (.+(?:\n {7,}.+)*)", text):
            entry = " ".join(entry.split())
            for author, doi in SOURCE_PAPERS.items():
                if entry.startswith(author):
                    assert doi in entry, f"{path.name}: {entry[:60]}... lacks doi:{doi}"
                    cited.add(author)
    assert cited >= {"Jiang, B.", "Yang, W.-Y.", "Zhang, M., Gao, J."}


def test_choosing_a_model_opens_with_a_decision_guide_and_no_two_sections_share_a_heading(tmp_path):
    from astrospecml.benchmarks.choosing import write_choosing_page

    write_choosing_page(DOCS / "benchmark_results", tmp_path / "page.rst")
    lines = (tmp_path / "page.rst").read_text().splitlines()
    headings = [lines[i - 1] for i, line in enumerate(lines) if i and set(line) == {"-"} and len(line) > 3]
    assert headings[0] == "Which model for which data"
    assert len(headings) == len(set(headings)), headings  # each section can be linked to
    guide = lines[lines.index(headings[0]):lines.index(headings[1])]
    assert any(line.startswith("* **Near-infrared subtypes") and "most accurate: " in line for line in guide)
