from django.urls import path

from cpinspect.registry import views

urlpatterns = [
    path("forces/", views.force_list, name="force-list"),
    path("forces/<str:code>/", views.force_detail, name="force-detail"),
]
