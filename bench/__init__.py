"""Benchmarks of the product; ``bench.settings`` installs this package as an app for them."""
