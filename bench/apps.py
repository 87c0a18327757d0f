from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Only for the benchmarks: viewflow records a flow by its app and refuses a flow outside an installed
    app, so the baseline flow of bench/decisions.py needs one. The product never installs it."""

    name = "bench"
    verbose_name = "Messungen"
