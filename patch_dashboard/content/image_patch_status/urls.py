from django.urls import re_path

from patch_dashboard.content.image_patch_status import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^(?P<image_id>[^/]+)/$", views.DetailView.as_view(), name="detail"),
]
