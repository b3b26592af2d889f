from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "terreau.api"
    label = "api"
