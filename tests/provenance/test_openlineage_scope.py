"""OpenLineage events reach only what their sender may see: inputs pass the visibility rule,
stubs and activities belong to the organisations that sent them."""

import datetime as dt
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from catalogue.models import Dataset, Field, Membership
from provenance.models import Activity, DatasetAlias, Derivation, FieldDerivation, OpenLineageEvent
from provenance.services import dataset_alias_add
from tests.catalogue.test_publish_pages import errors_in, form_data
from tests.writes import actor, add_field, record_check

RUN = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
JOB = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"


@pytest.fixture
def dora(dft):
    """An editor at the Department for Transport."""
    user = get_user_model().objects.create_user("dora", "dora@example.gov", "correct-horse-battery")
    Membership.objects.create(user=user, organisation=dft, role=Membership.Role.EDITOR)
    return user


def alias(dataset, namespace, name):
    return dataset_alias_add(dataset=dataset, namespace=namespace, name=name, user=actor())


def run_event(inputs, outputs, **overrides):
    event = {
        "eventType": "COMPLETE",
        "eventTime": dt.datetime.now(dt.UTC).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": RUN,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [{"namespace": "ns", "name": n} for n in inputs],
        "outputs": [{"namespace": "ns", "name": n} for n in outputs],
    }
    event.update(overrides)
    return event


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Post events as ``user`` through the ingestion endpoint and apply them (eager Celery)."""

    def post(user, *events):
        key = Token.objects.get_or_create(user=user)[0].key
        for event in events:
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    "/api/v1/lineage",
                    json.dumps(event),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {key}",
                )
            assert response.status_code == 201, response.content
        return OpenLineageEvent.objects.order_by("-pk").first()

    return post


# --- inputs pass the visibility check ---------------------------------------------------------------


def test_input_naming_a_dataset_the_sender_may_not_see_makes_no_lineage(
    send, bob, dora, dft, make_dataset, client_for, anon
):
    """The ten-second story: an OHS editor names DfT's non-public dataset as an input."""
    secret = make_dataset("Informant register", publisher=dft, access_rights=Dataset.AccessRights.NON_PUBLIC)
    alias(secret, "ns", "secret")
    add_field(secret, name="informant")
    record_check(secret, "Complete", "fail")
    mine = make_dataset("Hospital admissions")
    alias(mine, "ns", "mine")
    column_lineage = {
        "columnLineage": {
            "fields": {"who": {"inputFields": [{"namespace": "ns", "name": "secret", "field": "informant"}]}}
        }
    }
    event = run_event(["secret"], ["mine"])
    event["outputs"][0]["facets"] = column_lineage
    applied = send(bob, event)

    assert not Derivation.objects.filter(source=secret).exists()
    assert not FieldDerivation.objects.filter(source__dataset=secret).exists()
    assert list(secret.fields.values_list("name", flat=True)) == ["informant"]
    problems = " ".join(applied.problems)
    assert "ns/secret" in problems and "may not see" in problems
    assert secret.slug not in problems and secret.title not in problems

    # The three symptoms from the issue: none of them happens.
    page = client_for(anon).get(f"/datasets/{mine.slug}/").content.decode()
    assert "do not have access" not in page and "failed a check" not in page
    downstream = client_for(dora).get(f"/api/v1/datasets/{secret.slug}/downstream").json()
    assert downstream["nodes"] == []
    edit = client_for(bob)
    html = edit.get(f"/publish/datasets/{mine.slug}/edit/").content.decode()
    response = edit.post(f"/publish/datasets/{mine.slug}/edit/", form_data(html, description="Still editable."))
    assert response.status_code == 302, errors_in(response)


def test_input_named_by_alias_of_a_visible_dataset_still_makes_lineage(send, bob, dft, make_dataset):
    public = make_dataset("Road counts", publisher=dft)
    alias(public, "ns", "roads")
    mine = make_dataset("Hospital admissions")
    alias(mine, "ns", "mine")
    send(bob, run_event(["roads"], ["mine"]))
    assert Derivation.objects.current().filter(source=public, derived=mine).exists()


def test_derivation_service_refuses_a_source_the_user_may_not_see(bob, dft, make_dataset):
    from django.core.exceptions import PermissionDenied

    from catalogue.services import field_save
    from provenance.services import derivation_add, field_derivation_add

    secret = make_dataset("Informant register", publisher=dft, access_rights=Dataset.AccessRights.NON_PUBLIC)
    mine = make_dataset("Hospital admissions")
    with pytest.raises(PermissionDenied):
        derivation_add(derived=mine, source=secret, user=bob)
    theirs = add_field(secret, name="informant")
    own = field_save(dataset=mine, user=bob, data={"name": "who"})
    with pytest.raises(PermissionDenied):
        field_derivation_add(derived=own, source=theirs, user=bob)
    assert not Derivation.objects.exists() and not FieldDerivation.objects.exists()


def test_output_the_sender_may_not_see_is_refused_without_naming_it(send, bob, dft, make_dataset):
    secret = make_dataset("Informant register", publisher=dft, access_rights=Dataset.AccessRights.NON_PUBLIC)
    alias(secret, "ns", "secret")
    applied = send(bob, run_event(["in"], ["secret"]))
    assert not Derivation.objects.filter(derived=secret).exists()
    problems = " ".join(applied.problems)
    assert "ns/secret" in problems and secret.slug not in problems and secret.title not in problems


def test_taken_alias_names_the_holder_only_when_the_user_may_see_it(client_for, bob, dft, make_dataset):
    mine = make_dataset("Hospital admissions")
    public = make_dataset("Road counts", publisher=dft)
    secret = make_dataset("Informant register", publisher=dft, access_rights=Dataset.AccessRights.NON_PUBLIC)
    draft = make_dataset("Ferry routes", publisher=dft, status=Dataset.Status.DRAFT)
    alias(public, "ns", "roads")
    alias(secret, "ns", "secret")
    alias(draft, "ns", "draft")
    url = f"/api/v1/datasets/{mine.slug}/aliases"
    answers = {name: client_for(bob).post(url, {"namespace": "ns", "name": name}) for name in ("secret", "draft")}
    assert {a.status_code for a in answers.values()} == {400}
    secret_error = answers["secret"].json()["error"].replace("ns/secret", "ns/X")
    assert secret_error == answers["draft"].json()["error"].replace("ns/draft", "ns/X")
    assert "informant" not in secret_error.lower() and secret.slug not in secret_error
    visible = client_for(bob).post(url, {"namespace": "ns", "name": "roads"})
    assert visible.status_code == 400 and "Road counts" in visible.json()["error"]


# --- stubs belong to the organisations that named them ----------------------------------------------


def test_editor_sees_and_claims_only_stubs_their_organisation_named(send, bob, dora, client_for, make_dataset):
    """The ten-second story: DfT's editor lists and claims the stub OHS's pipeline made."""
    send(bob, run_event(["raw"], ["clean"]))
    stub = DatasetAlias.objects.get(name="clean").dataset
    assert stub.slug not in client_for(dora).get("/lineage/stubs/").content.decode()
    assert stub.slug in client_for(bob).get("/lineage/stubs/").content.decode()

    claim = client_for(dora).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "dft"})
    missing = client_for(dora).post("/api/v1/lineage/stubs/no-such-dataset/claim", {"organisation": "dft"})
    private = make_dataset("Ward staffing", status=Dataset.Status.DRAFT)  # OHS's, invisible to dora
    hidden = client_for(dora).post(f"/api/v1/lineage/stubs/{private.slug}/claim", {"organisation": "dft"})
    assert claim.status_code == missing.status_code == hidden.status_code == 404
    assert claim.json() == missing.json() == hidden.json()
    stub.refresh_from_db()
    assert stub.publisher.slug == "unclaimed-lineage-stubs"

    # The organisation that named it claims it, and its next event is applied.
    assert client_for(bob).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "ohs"}).status_code == 200
    applied = send(bob, run_event(["more"], ["clean"]))
    assert applied.problems == []
    assert Derivation.objects.current().filter(derived=stub, source__aliases__name="more").exists()


def test_stub_named_by_a_second_organisation_is_claimable_by_both(send, bob, dora, client_for):
    send(bob, run_event(["shared"], ["ohs-out"]))
    send(dora, run_event(["shared"], ["dft-out"]))
    shared = DatasetAlias.objects.get(name="shared").dataset
    for user in (bob, dora):
        assert shared.slug in client_for(user).get("/lineage/stubs/").content.decode()
    only_ohs = DatasetAlias.objects.get(name="ohs-out").dataset
    assert only_ohs.slug not in client_for(dora).get("/lineage/stubs/").content.decode()


def test_stubs_a_site_administrator_sent_are_claimable_by_site_administrators_only(send, bob, client_for):
    admin = get_user_model().objects.create_superuser("root", "root@example.gov", "correct-horse-battery")
    send(admin, run_event(["a-in"], ["a-out"]))
    stub = DatasetAlias.objects.get(name="a-out").dataset
    assert stub.slug not in client_for(bob).get("/lineage/stubs/").content.decode()
    response = client_for(bob).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "ohs"})
    assert response.status_code == 404
    assert (
        client_for(admin).post(f"/api/v1/lineage/stubs/{stub.slug}/claim", {"organisation": "ohs"}).status_code == 200
    )


# --- activities belong to the organisation that sent them ------------------------------------------


def job_event(output: str, description: str, code: str):
    return {
        "eventTime": dt.datetime.now(dt.UTC).isoformat(),
        "producer": "https://example.gov/pipelines",
        "schemaURL": JOB,
        "job": {
            "namespace": "ns",
            "name": "nightly",
            "facets": {
                "documentation": {"description": description},
                "sourceCodeLocation": {"type": "git", "url": code},
            },
        },
        "inputs": [{"namespace": "ns", "name": "raw"}],
        "outputs": [{"namespace": "ns", "name": output}],
    }


def test_job_event_of_one_organisation_does_not_take_over_anothers_activity(send, bob, dora, client_for):
    """The ten-second story: DfT sends a JobEvent with OHS's job name first."""
    send(dora, job_event("dft-out", "Dora's forged description", "https://git.example.gov/dft/forged"))
    send(bob, job_event("ohs-out", "Cleans admissions", "https://git.example.gov/ohs/clean"))
    ours = Derivation.objects.current().get(derived__aliases__name="ohs-out").activity
    theirs = Derivation.objects.current().get(derived__aliases__name="dft-out").activity
    assert ours.pk != theirs.pk
    assert ours.description == "Cleans admissions" and ours.code_reference == "https://git.example.gov/ohs/clean"
    assert theirs.description == "Dora's forged description"


def test_run_id_reused_by_another_organisation_makes_its_own_activity(send, bob, dora):
    run = {"runId": str(uuid.uuid4())}
    send(bob, run_event(["raw"], ["ohs-out"], run=run, job={"namespace": "ns", "name": "ohs-job"}))
    send(dora, run_event(["raw"], ["dft-out"], run=run, job={"namespace": "ns", "name": "dft-job"}))
    ours = Derivation.objects.current().get(derived__aliases__name="ohs-out").activity
    theirs = Derivation.objects.current().get(derived__aliases__name="dft-out").activity
    assert ours.pk != theirs.pk and ours.name == "ns/ohs-job" and theirs.name == "ns/dft-job"
    assert Activity.objects.filter(kind=Activity.Kind.OPENLINEAGE_RUN).count() == 2


def test_same_organisation_events_of_one_run_share_their_activity(send, bob):
    run = {"runId": str(uuid.uuid4())}
    send(bob, run_event(["a"], ["b"], run=run), run_event(["c"], ["d"], run=run))
    assert Activity.objects.filter(kind=Activity.Kind.OPENLINEAGE_RUN).count() == 1
    assert Field.objects.count() == 0
