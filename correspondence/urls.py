from django.urls import path

from . import views

app_name = "correspondence"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("outbox/", views.outbox, name="outbox"),
    path("drafts/", views.drafts, name="drafts"),
    path("awaiting/", views.awaiting, name="awaiting"),
    path("dispositions/", views.dispositions, name="dispositions"),
    path("new/", views.compose, name="compose"),
    path("recipients/", views.picker, name="picker"),
    path("recipient-groups/", views.recipient_group_create, name="recipient-group-create"),
    path(
        "recipient-groups/<int:pk>/delete/",
        views.recipient_group_delete,
        name="recipient-group-delete",
    ),
    path("signing-certificate/", views.signing_certificate, name="signing-certificate"),
    path("<int:pk>/", views.letter_detail, name="letter"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/versions/", views.versions, name="versions"),
    path("<int:pk>/versions/<int:number>/", views.version, name="version"),
    path(
        "<int:pk>/versions/<int:number>/restore/",
        views.version_restore,
        name="version-restore",
    ),
    path("templates/<int:pk>/fill/", views.template_fill, name="template-fill"),
    path("<int:pk>/pdf/", views.letter_pdf_download, name="letter-pdf"),
    path("<int:pk>/preview.pdf", views.letter_preview, name="letter-preview"),
    path("deliveries/<int:pk>/sheet.pdf", views.disposition_sheet, name="disposition-sheet"),
    path("<int:pk>/do/<slug:action>/", views.letter_action, name="action"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/dispatch/<int:recipient_id>/", views.dispatch_external, name="dispatch"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/pages/<slug:source>/", views.letter_pages, name="letter-pages"),
    path(
        "<int:pk>/pages/<slug:source>/<slug:digest>/<int:page>.png",
        views.letter_page_image,
        name="letter-page",
    ),
    path("attachments/<int:pk>/pages/", views.attachment_pages, name="attachment-pages"),
    path(
        "attachments/<int:pk>/pages/<int:page>.png",
        views.attachment_page_image,
        name="attachment-page",
    ),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("deliveries/<int:pk>/disposition/", views.disposition_new, name="disposition-new"),
    path("deliveries/<int:pk>/finish/", views.delivery_finish, name="delivery-finish"),
    path(
        "deliveries/<int:pk>/acknowledge/",
        views.delivery_acknowledge,
        name="delivery-acknowledge",
    ),
    path("inbox/bulk/<slug:action>/", views.inbox_bulk, name="inbox-bulk"),
    path("awaiting/sign/", views.sign_many, name="sign-many"),
    path("<int:pk>/reply/", views.letter_reply, name="reply"),
    path("<int:pk>/forward/", views.letter_forward, name="forward"),
    path("dispositions/<int:pk>/report/", views.disposition_report, name="disposition-report"),
    path(
        "dispositions/<int:pk>/<slug:action>/", views.disposition_action, name="disposition-action"
    ),
    path("incoming/new/", views.incoming_new, name="incoming"),
    path("numbers/", views.reservations, name="reservations"),
    path("numbers/<int:pk>/<slug:action>/", views.reservation_action, name="reservation-action"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/end/", views.delegation_end, name="delegation-end"),
]
