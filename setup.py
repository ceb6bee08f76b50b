"""For ``scrapyd-deploy``, which builds the egg it uploads with ``python setup.py bdist_egg``
(without this file it writes one of its own that packs every folder, tests included).
Everything else, the Scrapyd entry point too, is in pyproject.toml."""

from setuptools import setup

setup()
