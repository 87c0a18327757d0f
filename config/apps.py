"""The admin application with the product's admin site (second factor required, see config/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig


class StrategieAdminConfig(AdminConfig):
    default_site = "config.admin_site.StrategieAdminSite"

    def ready(self) -> None:
        super().ready()
        from config.admin import register_lockout_admin

        register_lockout_admin()
