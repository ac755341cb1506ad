from django.contrib.admin.apps import AdminConfig


class HamburgAdminConfig(AdminConfig):
    """The admin with its site class swapped for HamburgAdminSite (imported lazily by Django)."""

    default_site = "hamburg_service.accounts.admin_site.HamburgAdminSite"
