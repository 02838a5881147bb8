"""Every change to a dataset and its parts is kept: who, when, what."""

from catalogue import services
from catalogue.models import Distribution
from tests.writes import actor, add_distribution, add_field, edit


def test_dataset_changes_are_recorded_with_who_and_what(client_for, make_dataset, bob):
    dataset = make_dataset("Admissions")
    dataset = edit(dataset, user=bob, data={"description": "Admissions by region, month and diagnosis."})

    latest, first = dataset.history.all()[:2]
    assert latest.history_user == bob
    # Every change bumps the revision; the score columns are the scorer's (derived, written
    # after the first record was taken), not the editor's.
    assert latest.revision == first.revision + 1
    delta = latest.diff_against(
        first, excluded_fields=["revision", "quality_score", "quality_band", "quality_scored_at"]
    )
    assert [change.field for change in delta.changes] == ["description"]
    assert delta.changes[0].new == "Admissions by region, month and diagnosis."
    assert latest.history_date >= first.history_date


def test_parts_of_a_dataset_have_history_too(make_dataset):
    dataset = make_dataset()
    field = add_field(dataset, name="la_code", definition="")
    services.field_save(
        dataset=dataset, user=actor(), data={"definition": "GSS code of the local authority."}, field=field
    )
    distribution = add_distribution(dataset, access_url="https://data.example.gov/a.csv")
    distribution_id = distribution.pk
    services.distribution_delete(distribution=distribution, user=actor())

    assert [h.history_type for h in field.history.all()] == ["~", "+"]
    assert Distribution.history.filter(id=distribution_id).values_list("history_type", flat=True).first() == "-"


def test_keyword_and_theme_changes_are_in_history(make_dataset):
    from tests.conftest import term

    dataset = edit(make_dataset(), themes=[term("theme", "HEAL")], keywords=["hospital"])
    latest = dataset.history.first()
    assert [t.vocabularyterm.code for t in latest.themes.all()] == ["HEAL"]
    assert [k.keyword.name for k in latest.keywords.all()] == ["hospital"]


def test_changes_made_through_a_request_record_the_signed_in_user(make_dataset, client_for, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.gov", "pw-long-enough-1")
    dataset = make_dataset()
    client = client_for(root)
    page = client.get(f"/admin/catalogue/dataset/{dataset.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"title": "Hospital admissions (monthly)", "keywords": [], "themes": []})
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
    response = client.post(f"/admin/catalogue/dataset/{dataset.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    dataset.refresh_from_db()
    assert dataset.title == "Hospital admissions (monthly)"
    assert dataset.history.first().history_user == root
