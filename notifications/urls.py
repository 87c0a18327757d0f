from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("mail-einstellungen/", views.preferences, name="preferences"),
]
