"""The publisher's pages: dashboard, dataset forms, workflow, history, members (publisher)."""


from catalogue import views_publish as views  # noqa: F401

app_name = "publish"

urlpatterns = []
