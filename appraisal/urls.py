from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.scorecard, name="appraisal-home"),
    path("ranking/", views.ranking, name="appraisal-ranking"),
    path("results/<int:pk>/", views.result_detail, name="appraisal-result"),
    path("runs/", views.run_list, name="appraisal-runs"),
    path("runs/<int:pk>/", views.run_detail, name="appraisal-run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="appraisal-run-progress"),
    path("approval/", views.approval, name="appraisal-approval"),
    path("appeals/", views.appeals, name="appraisal-appeals"),
    path("bonus/", views.bonus, name="appraisal-bonus"),
    path("departments/", include("appraisal.department_urls")),
]
