"""Ingest: government web pages in, clean section chunks with citations out."""
