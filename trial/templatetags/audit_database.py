"""The database's vendor, for the pages that say whether it keeps the audit trail unchangeable
(PostgreSQL's triggers do; SQLite has none)."""

from django import template
from django.db import connection

register = template.Library()


@register.simple_tag
def database_vendor() -> str:
    return connection.vendor
