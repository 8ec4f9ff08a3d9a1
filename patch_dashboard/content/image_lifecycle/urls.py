from django.urls import re_path

from patch_dashboard.content.image_lifecycle import views

urlpatterns = [
    re_path(r"^$", views.IndexView.as_view(), name="index"),
    re_path(r"^deprecate/$", views.DeprecateView.as_view(), name="deprecate"),
    re_path(r"^obsolete/$", views.ObsoleteView.as_view(), name="obsolete"),
    re_path(r"^(?P<image_id>[^/]+)/metadata/$", views.MetadataView.as_view(), name="metadata"),
]
