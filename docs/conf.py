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
    "sphinx_automodapi.automodapi",
    "sphinx_automodapi.smart_resolver",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
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
# ref.term: scikit-learn's generated set_*_request docstrings cite its glossary,
# which offline builds cannot link to.
suppress_warnings = ["ref.obj", "ref.ref", "ref.term"]

