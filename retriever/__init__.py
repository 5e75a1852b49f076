"""Retriever: the index (FAISS + BM25 + manifest) and extractive answers with citations."""
