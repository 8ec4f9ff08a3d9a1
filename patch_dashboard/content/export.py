"""CSV exports a security team can hand an auditor, safe to open in a spreadsheet."""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from patch_dashboard.wording import safe_cell

COLUMNS = (
    ("project_name", _("Project")),
    ("project_id", _("Project ID")),
    ("name", _("Instance")),
    ("id", _("Instance ID")),
    ("status", _("Status")),
    ("image_name", _("Image")),
    ("image_id", _("Image ID")),
    ("state_code", _("Image state")),
    ("outdated", _("Outdated")),
    ("reason", _("Reason")),
    ("recommended_image_name", _("Recommended image")),
    ("recommended_image_id", _("Recommended image ID")),
    ("recommended_flavor_name", _("Recommended flavor")),
    ("days_behind", _("Days behind")),
    ("builds_behind", _("Builds behind")),
)


def instances_csv(rows, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([str(title) for _key, title in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(getattr(row, key)) for key, _title in COLUMNS])
    return response
