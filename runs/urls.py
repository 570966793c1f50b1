from django.urls import path

from imports import views as import_views

from . import views

urlpatterns = [
    path("", views.import_start, name="import-start"),
    path("template/<str:kind>/", import_views.kind_template, name="import-template"),
    path("export/<str:kind>/", import_views.kind_export, name="import-export"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/file/", views.run_file, name="run-file"),
]
