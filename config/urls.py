from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import auth_views
from governance import views as governance_views

admin.site.site_header = _("Bochum Strategie – Verwaltung")
admin.site.site_title = _("Bochum Strategie")
admin.site.index_title = _("Stammdaten und Prozessdaten")

urlpatterns = [
    path("", governance_views.home, name="home"),
    path("anmelden/", auth_views.LoginView.as_view(), name="login"),
    path("anmelden/code/", auth_views.OtpVerifyView.as_view(), name="otp_verify"),
    path("anmelden/dienstkonto/", auth_views.OIDCStartView.as_view(), name="oidc_authentication_init"),
    path(
        "anmelden/dienstkonto/zurueck/",
        auth_views.OIDCCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/zwei-faktor/", auth_views.TwoFactorView.as_view(), name="two_factor"),
    path("konto/zwei-faktor/qr.svg", auth_views.two_factor_qr, name="two_factor_qr"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("workflow.urls")),
    path("", include("notifications.urls")),
]
