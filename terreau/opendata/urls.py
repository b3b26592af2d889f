from django.urls import path
from django.views.decorators.cache import cache_control

from terreau.opendata import feeds, views

app_name = "opendata"

_feed_cache = cache_control(public=True, max_age=views.MAX_AGE)

urlpatterns = [
    path("", views.index, name="index"),
    path("datapackage.json", views.datapackage, name="datapackage"),
    path("flux/demarches.atom", _feed_cache(feeds.LatestProcessesFeed()), name="feed_processes"),
    path("flux/reponses.atom", _feed_cache(feeds.AnswersFeed()), name="feed_answers"),
    path("flux/demarches/<slug:slug>.atom", _feed_cache(feeds.ProcessContributionsFeed()), name="feed_process"),
    path("<slug:name>.csv", views.download_csv, name="csv"),
    path("<slug:name>.schema.json", views.download_schema, name="schema"),
    path("<slug:name>.json", views.download_json, name="json"),
    path("<slug:name>.geojson", views.download_geojson, name="geojson"),
]
