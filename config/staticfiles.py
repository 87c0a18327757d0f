"""Which app static files the product collects."""

from typing import Any

from django.contrib.staticfiles.finders import AppDirectoriesFinder


class ProductAppDirectoriesFinder(AppDirectoriesFinder):
    """The apps' static files, less those of apps whose front end the product does not use.

    viewflow is the workflow engine here; its Material front end is never served. Its CSS references Roboto
    fonts the package does not ship, so the manifest storage (``collectstatic`` in the image) stops on it.
    Skipping the app keeps the manifest strict for everything that is served."""

    skipped_apps = ("viewflow",)

    def __init__(self, app_names: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(app_names, *args, **kwargs)
        self.apps = [app for app in self.apps if app not in self.skipped_apps]
        for app in self.skipped_apps:
            self.storages.pop(app, None)
