"""Editors' insights from the question log: the figures, their SVG charts and `govqa insights`."""
