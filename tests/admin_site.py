"""The admin's registry as the running site has it: the admin modules load with the URLs."""

from django.contrib import admin


def registered() -> dict:
    admin.autodiscover()
    return admin.site._registry
