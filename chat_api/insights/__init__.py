"""Editors' insights from the question log: the figures, their SVG charts and `govqa insights`."""

from pathlib import Path

# The dashboard's pages, script and stylesheet, served under /admin.
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
