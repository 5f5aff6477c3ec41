from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import access


@never_cache
def healthz(request):
    """Liveness with a database round trip; no login, no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure is reported, not raised
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    query = request.GET.get("q", "").strip()
    patients = access.patients_for(request.user).order_by("site__code", "subject_id")
    if query:
        patients = patients.filter(subject_id__icontains=query)
    return render(request, "trial/home.html", {"patients": patients[:100], "query": query})


@login_required
def patient_detail(request, subject_id):
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    return render(request, "trial/patient_detail.html", {"patient": patient})
