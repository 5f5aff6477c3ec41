"""AdminData: the users named in the audit trail and the signatures, the sites, each with
the date of its first patient, and the definition of the investigator's e-signature."""

from django.db.models import Min
from django.utils import timezone
from lxml import etree

from trial.models import Patient

from ... import signatures
from ...models import Signature
from ..tables import Scope, Table
from .audit_records import histories
from .elements import MDV_OID, NS, SIGNATURE_DEF, STUDY_OID, UNKNOWN_USER, E


def admin_data(tables: list[Table], scope: Scope) -> etree._Element:
    usernames: set[str | None] = set()
    for _table, history in histories(tables, scope):
        usernames.update(history.values_list("history_user__username", flat=True).distinct())
    signers = scope.restrict(Signature.objects.all()).values_list("signer__username", flat=True)
    usernames.update(signers.distinct())
    admin = E("AdminData", {"StudyOID": STUDY_OID}, nsmap={None: NS})
    for username in sorted(u for u in usernames if u):
        admin.append(E("User", {"OID": f"USR.{username}"}, E("LoginName", text=username)))
    if None in usernames:
        admin.append(E("User", {"OID": UNKNOWN_USER}, E("LoginName", text="unknown")))
    first = dict(
        scope.restrict(Patient.objects.all(), patient_field="pk")
        .values("site")
        .annotate(first=Min("created_at"))
        .values_list("site", "first")
    )
    for site in scope.sites().order_by("code"):
        effective = first.get(site.pk) or timezone.now()
        admin.append(
            E(
                "Location",
                {"OID": f"LOC.{site.code}", "Name": site.name, "LocationType": "Site"},
                E(
                    "MetaDataVersionRef",
                    {
                        "StudyOID": STUDY_OID,
                        "MetaDataVersionOID": MDV_OID,
                        "EffectiveDate": effective.date().isoformat(),
                    },
                ),
            )
        )
    admin.append(
        E(
            "SignatureDef",
            {"OID": SIGNATURE_DEF, "Methodology": "Electronic"},
            E("Meaning", text=signatures.MEANING),
            E("LegalReason", text=signatures.LEGAL_REASON),
        )
    )
    return admin
