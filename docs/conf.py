"""Sphinx configuration of the astrospecml documentation."""
import datetime
from pathlib import Path

import astrospecml
from astrospecml.benchmarks.choosing import write_choosing_page

# "Choosing a model" is written from the benchmark result files at every build.
_HERE = Path(__file__).parent
write_choosing_page(_HERE / "benchmark_results", _HERE / "choosing_a_model.rst")


def write_published_networks_table(path):
    """The user guide's table of the published classifiers, written from their catalogue at every build."""
    from astrospecml.classifiers import published_classifiers

    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 22 14 34 12 18", "",
             "   * - Classifier", "     - Network", "     - Architecture", "     - Input", "     - Paper"]
    for cls in published_classifiers():
        publication = cls.publication
        inputs = ", ".join(publication.inputs)
        if publication.arms:
            inputs += f" ({', '.join(publication.arms)})"
        lines += [f"   * - :class:`~astrospecml.classifiers.{cls.__name__}`", f"     - {publication.name}",
                  f"     - {publication.summary}", f"     - {inputs}",
                  f"     - {publication.citation}, `doi:{publication.doi} <https://doi.org/{publication.doi}>`__"]
    path.write_text("\n".join(lines) + "\n")


write_published_networks_table(_HERE / "user_guide" / "published_networks.inc")

project = "astrospecml"
author = "The astrospecml developers"
copyright = f"{datetime.date.today().year}, {author}"
release = astrospecml.__version__
version = release

extensions = [
    "sphinx.ext.intersphinx",
    "sphinx_automodapi.automodapi",
    "sphinx_automodapi.smart_resolver",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]
# The copy button copies the code alone: ">>> " and "... " prompts and the output lines are left out,
# and so is the "$ " of a shell line.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
automodapi_toctreedirnm = "api"
automodsumm_inherited_members = False
default_role = "obj"
exclude_patterns = ["_build", "api_generated"]
# The PyData theme of scikit-learn, Astropy and specutils; everything it needs is in the
# package (no font or script from the web), so the site works offline.
html_theme = "pydata_sphinx_theme"
html_theme_options = {
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_title = f"astrospecml {release}"
# Pages without sub-pages need no left sidebar.
html_sidebars = {page: [] for page in ("index", "getting_started", "choosing_a_model", "references", "citing",
                                         "changelog")}
html_static_path = ["_static"]
html_css_files = ["astrospecml.css"]  # long names and signatures wrap instead of widening the page
python_maximum_signature_line_length = 88  # one parameter per line beyond this
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False  # the figure alone, without a download link above it
plot_formats = [("png", 100)]
# Every reference to the project's own API must resolve; names of other packages
# (which cannot be linked offline) are exempt by pattern below.
nitpicky = True

# The gallery and the tutorials are scripts under examples/, run at every
# build, so their figures and printed numbers are those of the current code;
# a script that fails fails the build.  The tutorials' own printed run times
# are what docs say about their cost.
sphinx_gallery_conf = {
    "examples_dirs": ["../examples/gallery", "../examples/tutorials"],
    "gallery_dirs": ["gallery", "tutorials"],
    "filename_pattern": "/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    # The run-time tables load jQuery and DataTables from a CDN, which an
    # offline reader cannot reach; each example states its own run time.
    "write_computation_times": False,
}

# Offline builds: intersphinx inventories cannot be fetched, so none are listed;
# references to numpy, astropy, specutils and sklearn names render as text.
intersphinx_mapping = {}
# Names outside astrospecml (numpy, astropy, specutils, scikit-learn, torch...) and
# numpydoc's type words cannot be linked offline: exempt by pattern, so that a broken
# reference to astrospecml's own API still fails the build.
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|astropy|specutils|specreduce|sklearn|skorch|torch|imblearn|dask|distributed"
               r"|pandas|pyarrow|matplotlib|safetensors|skops)(\..*)?"),
    (r"py:.*", r"(~)?(u|units)\..*"),
    (r"py:.*", r"(pathlib|dataclasses|typing|collections|os)\..*"),
    # Inherited from torch.nn.Module.forward and scikit-learn's mixins, which name their own
    # base class and arguments.
    (r"py:.*", r"Module|X|y"),
    # Private modules of astrospecml (base classes such as SpectralTransformer) are not in the API.
    (r"py:.*", r"astrospecml(\.\w+)*\._\w+(\..*)?"),
    # scikit-learn's generated docstrings cite its glossary and user guide.
    (r"std:term", r".*"),
    (r"std:ref", r"metadata_routing|accuracy_score"),
]

