"""The "Export dataset" page: a data manager picks a format (and a site) and downloads the ZIP.

The ZIP streams as it is written (no Content-Length): the browser's download shows the bytes
arriving, the page shows a "preparing" note until then. Formats written through temporary
files are written whole first, so that a failure to write them is a page that says so; a
failure after the first byte breaks the download off, and the browser shows it as failed.
Nothing is kept on the server.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..exports.dataset import DatasetExport, may_export, start_export
from ..exports.forms import DatasetExportForm

UNAVAILABLE = 503


def dataset_response(request, export: DatasetExport) -> HttpResponse:
    """The ZIP as a download, or the page saying that it could not be written."""
    try:
        export.prepare()
    except OSError:
        # Logged as a failed export by prepare(); the user is told plainly, nothing is sent.
        return render(request, "ecrf/exports/failed.html", status=UNAVAILABLE)
    response = StreamingHttpResponse(export.chunks(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    # Reverse proxies pass each chunk on at once instead of buffering the whole ZIP.
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_dataset(request):
    if not may_export(request.user):
        raise PermissionDenied
    form = DatasetExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        export = start_export(
            user=request.user,
            format=form.cleaned_data["format"],
            site=form.cleaned_data["site"],
            request=request,
        )
        return dataset_response(request, export)
    return render(request, "ecrf/exports/dataset.html", {"form": form})
