from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.unit_tree, name="unit-tree-home"),
    path("org/<str:code>/", views.unit_tree, name="unit-tree"),
    path("people/", views.employee_list, name="employee-list"),
    path("people/<str:employee_no>/", views.employee_detail, name="employee-detail"),
]
