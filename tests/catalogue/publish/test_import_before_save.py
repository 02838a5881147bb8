"""A new dataset takes its data dictionary from a file before it is first saved: the columns
appear as rows of the form, with what was typed kept, and nothing is saved until the form is."""

from django.core.files.uploadedfile import SimpleUploadedFile

from catalogue.models import Dataset
from tests.catalogue.test_publish_pages import form_data

NEW = "/publish/datasets/new/"


def test_columns_from_a_csv_become_rows_of_the_unsaved_form(db, ohs, bob, client_for):
    client = client_for(bob)
    page = client.get(NEW).content.decode()
    assert 'value="import-dictionary"' in page
    data = form_data(page, title="Bed occupancy", fields__0__name="trust", fields__0__definition="NHS trust code")
    data["action"] = "import-dictionary"
    data["dictionary-file"] = SimpleUploadedFile(
        "beds.csv", b"trust,year,beds,rate\nRX1,2023,1234,0.5\nRX2,2024,2345,1.5\n", content_type="text/csv"
    )
    response = client.post(NEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Dataset.objects.exists()
    assert "3 columns imported into the data dictionary below" in html
    assert 'id="error-summary"' not in html  # importing is not saving: no "enter a title"
    after = form_data(html)
    assert after["title"] == ["Bed occupancy"]
    rows = [(after[f"fields-{i}-name"][0], after[f"fields-{i}-datatype"][0]) for i in range(4)]
    assert rows == [("trust", "string"), ("year", "gYear"), ("beds", "integer"), ("rate", "decimal")]
    assert after["fields-0-definition"] == ["NHS trust code"]

    # Saving the form saves the dataset with those columns.
    response = client.post(NEW, {**after, "action": "save"})
    assert response.status_code == 302
    dataset = Dataset.objects.get(title="Bed occupancy")
    assert list(dataset.fields.order_by("position").values_list("name", "datatype")) == [
        ("trust", "string"),
        ("year", "gYear"),
        ("beds", "integer"),
        ("rate", "decimal"),
    ]


def test_a_file_that_cannot_be_read_says_why_and_loses_nothing(db, ohs, bob, client_for):
    client = client_for(bob)
    page = client.get(NEW).content.decode()
    data = form_data(page, title="Bed occupancy", description="Beds by trust.")
    data["action"] = "import-dictionary"
    data["dictionary-text"] = '{"fields": [{"name": "x", "type": "integr"}]}'
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The data dictionary could not be imported: Field 1 (&#x27;x&#x27;): unknown type" in html
    after = form_data(html)
    assert (after["title"], after["description"]) == (["Bed occupancy"], ["Beds by trust."])
    assert not Dataset.objects.exists()

    data["dictionary-text"] = ""
    html = client.post(NEW, data).content.decode()
    assert "Choose a file or paste its content." in html
