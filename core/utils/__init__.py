"""Plumbing every layer shares: atomic writes, cache folders and JSON caches, processes, the heap, formatting."""
