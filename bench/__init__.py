"""Benchmarks for evaluators: question sets, metrics, reports and public-benchmark adapters."""
