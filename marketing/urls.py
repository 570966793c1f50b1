from django.urls import path

from . import views

urlpatterns = [
    path("", views.client_list, name="client-list"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request-accept"),
    path("deposits/", views.deposits, name="client-deposits"),
    path("lists/", views.tier_lists, name="tier-lists"),
    # Last: a client number is any string.
    path("<str:client_no>/", views.client_detail, name="client-detail"),
    path("<str:client_no>/override/", views.client_override, name="client-override"),
    path("<str:client_no>/requests/", views.client_request_create, name="client-request-create"),
]
