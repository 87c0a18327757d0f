"""The admin application with the product's admin site (second factor required, see config/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig


class StrategieAdminConfig(AdminConfig):
    default_site = "config.admin_site.StrategieAdminSite"

    def ready(self) -> None:
        super().ready()
        # apps.py is imported before the models are loaded; the admin module needs them.
        from config.admin import register_lockout_admin

        register_lockout_admin()
