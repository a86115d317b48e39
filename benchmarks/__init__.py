"""Speed and memory benchmarks, run with ``make bench`` (never in the test suite)."""
