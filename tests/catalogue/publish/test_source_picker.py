"""Naming the sources of a derivation: the picker's JSON offers only datasets the user may
see, and without JavaScript the text box takes title words, searched on the server."""

from catalogue.models import Dataset
from provenance.models import Derivation
from tests.catalogue.test_publish_pages import error_beside, form_data

URL = "/publish/datasets/sources.json"


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [item["title"] for item in response.json()["results"]]


def test_the_picker_finds_visible_datasets_by_title_words_best_first(db, make_dataset, dft, bob, client_for):
    make_dataset("Mid-year population estimates", publisher=dft)
    make_dataset("Population projections", publisher=dft)
    make_dataset("Road casualties", publisher=dft)
    make_dataset("Population register (draft)", publisher=dft, status=Dataset.Status.DRAFT)
    client = client_for(bob)
    assert titles(client.get(URL, {"q": "population"})) == ["Population projections", "Mid-year population estimates"]
    assert titles(client.get(URL, {"q": "estimates population"})) == ["Mid-year population estimates"]
    assert titles(client.get(URL, {"q": "road-cas"})) == ["Road casualties"]
    assert titles(client.get(URL, {"q": ""})) == []


def test_the_picker_never_offers_what_the_user_may_not_see_nor_the_dataset_itself(
    db, make_dataset, dft, bob, client_for
):
    hidden = make_dataset("Population register", publisher=dft, status=Dataset.Status.DRAFT)
    own = make_dataset("Population admissions", status=Dataset.Status.DRAFT)
    client = client_for(bob)
    assert titles(client.get(URL, {"q": "population", "dataset": own.slug})) == []
    assert titles(client.get(URL, {"slugs": f"{hidden.slug},{own.slug}"})) == ["Population admissions"]
    assert client.get(URL, {"q": "population", "dataset": hidden.slug}).status_code == 404


def test_the_picker_needs_a_signed_in_user(db, client_for, anon):
    assert client_for(anon).get(URL, {"q": "population"}).status_code == 302


def test_without_javascript_title_words_name_a_source_or_list_the_candidates(db, make_dataset, dft, bob, client_for):
    census = make_dataset("Census population counts", publisher=dft)
    make_dataset("Population projections", publisher=dft)
    rates = make_dataset("Admission rates", status=Dataset.Status.DRAFT)
    client = client_for(bob)
    url = f"/publish/datasets/{rates.slug}/edit/"
    page = client.get(url).content.decode()

    response = client.post(url, form_data(page, derivation__sources="population"))
    assert response.status_code == 400
    error = error_beside(response.content.decode(), "id_derivation-sources")
    assert "matches several datasets" in error and census.slug in error and "Population projections" in error
    assert not Derivation.objects.exists()

    response = client.post(url, form_data(page, derivation__sources="census counts"))
    assert response.status_code == 302
    assert Derivation.objects.current().get(derived=rates).source == census

    page = client.get(url).content.decode()
    response = client.post(url, form_data(page, derivation__sources="nothing like this"))
    assert "No dataset you can see is called &#x27;nothing like this&#x27;" in error_beside(
        response.content.decode(), "id_derivation-sources"
    )
