"""Reproducible benchmarks, one command each: rule quality on a labelled corpus, and speed and memory."""
