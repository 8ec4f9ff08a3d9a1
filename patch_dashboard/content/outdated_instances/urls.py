from django.urls import re_path

from patch_dashboard.content.outdated_instances import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^export\.csv$", views.ExportView.as_view(), name="export"),
]
