"""Embedders, lexical and dense indexes, and their fusion."""
