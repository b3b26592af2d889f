from django.urls import path

from terreau.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("head.json", views.head_json, name="head"),
    path("events.json", views.events_json, name="events"),
]
