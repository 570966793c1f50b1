"""The department appraisal's pages (rules P7, C9–C11), included under /appraisal/departments/."""

from django.urls import path

from . import department_views as views

urlpatterns = [
    path("", views.plan_page, name="departments-home"),
    path("shadow/", views.shadow_page, name="departments-shadow"),
    path("timeline/", views.timeline_page, name="departments-timeline"),
    path("plans/<str:code>/", views.plan_detail, name="departments-detail"),
]
