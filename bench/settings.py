"""The product's settings plus the benchmarks' app (the baseline flow of bench/decisions.py)."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.apps.BenchConfig"]
