"""Benchmarks that print figures (python -m bench.engine); not tests, never run by pytest."""
