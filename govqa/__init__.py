"""govqa: extractive question answering with citations for government websites."""

__version__ = "0.1.0"
