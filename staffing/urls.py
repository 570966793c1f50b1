from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_staffing, name="staffing-home"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("units/<str:code>/", views.unit_staffing, name="unit-staffing"),
    path("managers/<str:employee_no>/", views.manager_book, name="manager-book"),
    path("clients/<str:client_no>/", views.client_team, name="client-team"),
]
