from django.urls import path

from . import (
    converters,  # noqa: F401  (registers the ka_code and id converters)
    views,
)

app_name = "governance"

urlpatterns = [
    path("kernaktivitaeten/", views.kernaktivitaet_overview, name="ka_overview"),
    path("kernaktivitaeten/<ka_code:code>/", views.kernaktivitaet_detail, name="ka_detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("barrierefreiheit/", views.accessibility_statement, name="accessibility"),
    path("impressum/", views.imprint, name="imprint"),
    path("favicon.ico", views.favicon, name="favicon"),
]
