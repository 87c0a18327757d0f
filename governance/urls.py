from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("barrierefreiheit/", views.accessibility_statement, name="accessibility"),
    path("impressum/", views.imprint, name="imprint"),
]
