"""Sphinx configuration of the astrospecml documentation."""
import datetime

import astrospecml

project = "astrospecml"
author = "The astrospecml developers"
copyright = f"{datetime.date.today().year}, {author}"
release = astrospecml.__version__
version = release

extensions = [
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_automodapi.automodapi",
    "sphinx_automodapi.smart_resolver",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
automodapi_toctreedirnm = "api"
automodsumm_inherited_members = False
default_role = "obj"
exclude_patterns = ["_build", "api_generated"]
html_theme = "alabaster"
html_static_path = []
plot_include_source = True
plot_html_show_source_link = False
plot_formats = [("png", 100)]
nitpicky = False

# Offline builds: intersphinx inventories cannot be fetched, so none are listed;
# references to numpy, astropy, specutils and sklearn names render as text.
intersphinx_mapping = {}
# ref.term: scikit-learn's generated set_*_request docstrings cite its glossary,
# which offline builds cannot link to.
suppress_warnings = ["ref.obj", "ref.ref", "ref.term"]

