"""Unmatched URLs: API clients get JSON they can parse, people get a page."""


def test_unmatched_api_url_answers_json_404(client, db):
    response = client.get("/api/v1/fields/-5/downstream")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unmatched_page_answers_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
