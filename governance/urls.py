from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("kernaktivitaeten/", views.kernaktivitaet_overview, name="ka_overview"),
    path("kernaktivitaeten/<str:code>/", views.kernaktivitaet_detail, name="ka_detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("barrierefreiheit/", views.accessibility_statement, name="accessibility"),
    path("impressum/", views.imprint, name="imprint"),
]
