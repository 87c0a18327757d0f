from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from governance import views as governance_views

admin.site.site_header = _("Bochum Strategie – Verwaltung")
admin.site.site_title = _("Bochum Strategie")
admin.site.index_title = _("Stammdaten und Prozessdaten")

urlpatterns = [
    path("", governance_views.home, name="home"),
    path("anmelden/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("workflow.urls")),
    path("", include("notifications.urls")),
]
