"""The publisher's pages: dashboard, dataset forms, workflow, history, members (publisher)."""

from django.urls import path

from catalogue.publish import account_views, picker_views, review_views, views

app_name = "publish"

urlpatterns = [
    path("publish/", views.dashboard, name="dashboard"),
    path("publish/welcome/", account_views.after_sign_in, name="after-sign-in"),
    path("publish/score/", views.live_score_view, name="live-score"),
    path("publish/datasets/new/", views.dataset_create, name="dataset-create"),
    path("publish/datasets/sources.json", picker_views.source_search_json, name="source-search"),
    path("publish/datasets/<slug:slug>/edit/", views.dataset_edit, name="dataset-edit"),
    path("publish/datasets/<slug:slug>/publish/", views.dataset_publish, name="dataset-publish"),
    path("publish/datasets/<slug:slug>/review/", review_views.dataset_review, name="dataset-review"),
    path("publish/datasets/<slug:slug>/review/approve/", review_views.review_approve, name="review-approve"),
    path("publish/datasets/<slug:slug>/review/return/", review_views.review_return, name="review-return"),
    path("publish/datasets/<slug:slug>/draft/discard/", review_views.draft_discard, name="draft-discard"),
    path("publish/datasets/<slug:slug>/withdraw/", views.dataset_withdraw, name="dataset-withdraw"),
    path("publish/datasets/<slug:slug>/history/", views.dataset_history, name="dataset-history"),
    path("publish/datasets/<slug:slug>/restore/", views.dataset_restore, name="dataset-restore"),
    path("publish/datasets/<slug:slug>/fields/import/", views.dictionary_import_view, name="dictionary-import"),
    path("publish/organisations/<slug:slug>/members/", views.organisation_members, name="organisation-members"),
]
