"""The archive's pages, under /archive/."""

from django.urls import path

from .views import disposal, lending, records, search, transfers

app_name = "archive"

urlpatterns = [
    # Before the records' catch-all `records/<pk>/<action>/`: `records/<pk>/loan/`.
    path("loans/", lending.loan_list, name="loans"),
    path("loans/<int:pk>/", lending.loan_detail, name="loan"),
    path("loans/<int:pk>/<slug:action>/", lending.loan_action, name="loan-action"),
    path("records/<int:pk>/loan/", lending.loan_request, name="loan-request"),
    # records, case files and the file plan
    path("", records.record_list, name="records"),
    path("records/new/", records.record_new, name="record-new"),
    path("records/import/", records.record_import, name="record-import"),
    path("records/<int:pk>/", records.record_detail, name="record"),
    path("records/<int:pk>/files/<int:file_pk>/", records.record_file, name="record-file"),
    path(
        "records/<int:pk>/files/<int:file_pk>/ocr/",
        records.record_file,
        {"ocr": True},
        name="record-file-ocr",
    ),
    path("records/<int:pk>/<slug:action>/", records.record_action, name="record-action"),
    path("file-plan/", records.file_plan, name="file-plan"),
    path("case-files/", records.case_files, name="case-files"),
    path("case-files/<int:pk>/", records.case_file, name="case-file"),
    path("case-files/<int:pk>/close/", records.case_file_close, name="case-file-close"),
    # search
    path("search/", search.search, name="search"),
    path(
        "classifications/suggest/",
        search.classification_suggestions,
        name="classification-suggest",
    ),
    # disposal and legal holds
    path("disposal/", disposal.proposal_list, name="proposals"),
    path("disposal/sweep/", disposal.disposal_sweep, name="disposal-sweep"),
    path("disposal/<int:pk>/", disposal.proposal_detail, name="proposal"),
    path("disposal/<int:pk>/<slug:action>/", disposal.proposal_action, name="proposal-action"),
    path("holds/", disposal.hold_list, name="holds"),
    path("holds/new/", disposal.hold_new, name="hold-new"),
    path("holds/<int:pk>/", disposal.hold_detail, name="hold"),
    path("holds/<int:pk>/release/", disposal.hold_release, name="hold-release"),
    # transfers, handovers and the export
    path("transfers/", transfers.transfer_list, name="transfers"),
    path("transfers/new/", transfers.transfer_new, name="transfer-new"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/list.pdf", transfers.transfer_pdf, name="transfer-pdf"),
    path("transfers/<int:pk>/list.csv", transfers.transfer_csv, name="transfer-csv"),
    path("transfers/<int:pk>/<slug:action>/", transfers.transfer_action, name="transfer-action"),
    path("export/", transfers.records_export, name="export"),
]
