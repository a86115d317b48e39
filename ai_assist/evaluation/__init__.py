"""Offline measurement of the router, search and recommendations."""
