"""Helpers for host projects' tests: factories and light test doubles."""
