from django.urls import path

from governance import converters  # noqa: F401  (registers the ka_code and id converters)

from . import discussion_views, document_views, report_views, views

app_name = "workflow"

urlpatterns = [
    path("berichte/", report_views.berichte, name="berichte"),
    path("berichte/<id:pk>/", report_views.statusbericht, name="statusbericht"),
    path("aufgaben/", views.inbox, name="inbox"),
    path("aufgaben/<id:task_id>/", views.task_detail, name="task"),
    path("aufgaben/ratsbeschluss/", views.council, name="council"),
    path("vorschlaege/neu/", views.proposal_create, name="proposal_create"),
    path("vorschlaege/<id:pk>/", views.proposal_edit, name="proposal_edit"),
    path("kernaktivitaeten/<ka_code:code>/antrag/", views.ka_request, name="ka_request"),
    path("kernaktivitaeten/<ka_code:code>/dokumente/", document_views.dokumente, name="dokumente"),
    path(
        "kernaktivitaeten/<ka_code:code>/dokumente/<id:pk>/",
        document_views.dokument_download,
        name="dokument_download",
    ),
    path("kernaktivitaeten/<ka_code:code>/diskussion/", discussion_views.discussion, name="discussion"),
]
