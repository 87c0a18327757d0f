from django.urls import path

from . import report_views, views

app_name = "workflow"

urlpatterns = [
    path("berichte/", report_views.berichte, name="berichte"),
    path("berichte/<int:pk>/", report_views.statusbericht, name="statusbericht"),
    path("aufgaben/", views.inbox, name="inbox"),
    path("aufgaben/<int:task_id>/", views.task_detail, name="task"),
    path("aufgaben/ratsbeschluss/", views.council, name="council"),
    path("vorschlaege/neu/", views.proposal_create, name="proposal_create"),
    path("vorschlaege/<int:pk>/", views.proposal_edit, name="proposal_edit"),
    path("kernaktivitaeten/<str:code>/antrag/", views.ka_request, name="ka_request"),
]
