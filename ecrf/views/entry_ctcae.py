"""The CTCAE term picker of the adverse event form: search as you type, then the grades."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import ctcae
from ..forms import crf_form_class
from ..models import AdverseEvent

RESULTS = 12


@login_required
@require_GET
def ctcae_search(request):
    """Terms matching the text typed (synonyms such as "hand foot" or "ALT" first)."""
    query = request.GET.get("ctcae_q", "")[:100]
    terms = ctcae.find_terms(query, limit=RESULTS) if query.strip() else []
    return render(request, "ecrf/entry/_ctcae_results.html", {"terms": terms, "query": query})


@login_required
@require_GET
def ctcae_grades(request):
    """The grades CTCAE defines for the chosen term, with the term itself out of band."""
    code = request.GET.get("aeptcd", "")[:20].strip()
    grade = request.GET.get("aetoxgr", "")
    form = crf_form_class(AdverseEvent)(
        initial={"aeptcd": code, "aetoxgr": grade if grade.isdigit() else None}
    )
    return render(
        request,
        "ecrf/entry/_ctcae_picked.html",
        {"field": form["aetoxgr"], "code": code, "term": form.chosen_term, "name": "aeptcd"},
    )
