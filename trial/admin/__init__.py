"""The admin: sites, accounts and memberships for administrators; trial data listed within the
user's sites, read-only, exportable; the allocation list for study-wide data managers only.

Importing this package registers every admin class (Django's admin imports it with the URLs:
see trial.apps.AdminConfig); the bases are re-exported for the ecrf app's admin.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .access_log import AccessLogAdmin
from .alerts import DataManagerAlertAdmin
from .allocation import (
    AllocationAdmin,
    AllocationEntryAdmin,
    AllocationListAdmin,
    AllocationStratumAdmin,
)
from .audited import AuditedAdmin
from .exports import ListExport, ListResource, list_resources
from .lockouts import LockoutAdmin
from .patients import PatientAdmin
from .randomization import RandomizationAdmin, RandomizationCorrectionAdmin
from .scoped import ScopedAdmin
from .sites import AdministratorOnly, MembershipAdmin, SiteAdmin, TrialUserAdmin
from .two_factor import AuthenticatorAdmin

admin.site.site_header = _("NCT05797077 eCRF administration")
admin.site.site_title = _("NCT05797077 eCRF")

__all__ = [
    "AccessLogAdmin",
    "AdministratorOnly",
    "AllocationAdmin",
    "AuthenticatorAdmin",
    "AllocationEntryAdmin",
    "AllocationListAdmin",
    "AllocationStratumAdmin",
    "AuditedAdmin",
    "DataManagerAlertAdmin",
    "ListExport",
    "LockoutAdmin",
    "ListResource",
    "MembershipAdmin",
    "PatientAdmin",
    "RandomizationAdmin",
    "RandomizationCorrectionAdmin",
    "ScopedAdmin",
    "SiteAdmin",
    "TrialUserAdmin",
    "list_resources",
]
