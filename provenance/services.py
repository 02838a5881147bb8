"""Writes to the provenance records. Forms, the admin, the API and OpenLineage ingestion all call these.

Each records in the outbox (catalogue.outbox) the derived work it sets off, in its own
transaction: a derivation change moves the lineage closure, the search entries of both
datasets and the derived dataset's record and score.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from catalogue import access, outbox
from catalogue.models import Dataset, Field, Organisation
from provenance import queries
from provenance.lineage import DERIVATION, lock_derivation_writes
from provenance.models import STUB_ORGANISATION_SLUG, Activity, Agent, DatasetAlias, Derivation, FieldDerivation

SOURCE_NOT_VISIBLE = "You may only record lineage from a dataset you can see (or a lineage stub you may claim)."


def _with_user(instance, user):
    # The history records who made the change; workers and the API have no request to read it from.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    return instance


def _upstream_path(start_id: int, target_id: int) -> list[int] | None:
    """The dataset ids from ``start`` up to ``target`` over current derivations, or None.

    Walks the derivation rows themselves, not the closure, because the closure may be a
    moment behind a change that has not been applied yet.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(node, parent) AS ("
            f" SELECT CAST(%s AS BIGINT), CAST(NULL AS BIGINT)"
            f" UNION"
            f" SELECT d.source_id, d.derived_id FROM {DERIVATION} d JOIN up ON d.derived_id = up.node"
            f" WHERE d.valid_to IS NULL"
            f") SELECT node, parent FROM up",
            [start_id],
        )
        parents: dict[int, int | None] = {}
        for node, parent in cursor.fetchall():
            parents.setdefault(node, parent)
    if target_id not in parents:
        return None
    path, node = [target_id], target_id
    while parents.get(node) is not None:
        node = parents[node]
        path.append(node)
    return path


def derivation_add(
    *,
    derived: Dataset,
    source: Dataset,
    activity: Activity | None = None,
    user=None,
    description: str = "",
    valid_from: datetime | None = None,
) -> Derivation:
    """Record that ``derived`` is made from ``source``; the lineage graph follows through Celery.

    Raises ValidationError for a self-derivation, a duplicate current derivation or a cycle;
    PermissionDenied unless ``user`` may change ``derived`` and see ``source`` (an edge from a
    dataset the user cannot see would show it, redacted, on their dataset and show their
    dataset downstream to its publisher). The lineage closure follows through the outbox,
    recorded in this transaction.
    """
    if not access.can_edit_dataset(user, derived):
        raise PermissionDenied("You may not change the lineage of this dataset.")
    if not queries.may_name_as_source(user, source):
        raise PermissionDenied(SOURCE_NOT_VISIBLE)
    if derived.pk == source.pk:
        raise ValidationError("A dataset cannot be derived from itself.")
    with transaction.atomic():
        lock_derivation_writes()
        if Derivation.objects.current().filter(derived=derived, source=source).exists():
            raise ValidationError(f"“{derived.title}” is already recorded as derived from “{source.title}”.")
        cycle = _upstream_path(source.pk, derived.pk)
        if cycle is not None:
            steps = len(cycle) - 1
            raise ValidationError(
                f"This derivation would make a cycle: “{source.title}” is already derived from "
                f"“{derived.title}” ({steps} step{'s' if steps != 1 else ''} upstream), so "
                f"“{derived.title}” cannot also be derived from it."
            )
        derivation = Derivation(
            derived=derived,
            source=source,
            activity=activity,
            description=description,
            valid_from=valid_from or timezone.now(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _with_user(derivation, user).save()
        outbox.derivation_changed(source.pk, derived.pk)
        return derivation


def derivation_remove(*, derivation: Derivation, user=None, when: datetime | None = None) -> None:
    """End a derivation (sets valid_to; the row stays for "as of" questions)."""
    with transaction.atomic():
        derivation = Derivation.objects.select_for_update().select_related("derived").get(pk=derivation.pk)
        if not access.can_edit_dataset(user, derivation.derived):
            raise PermissionDenied("You may not change the lineage of this dataset.")
        if derivation.valid_to is not None:
            return
        when = when or timezone.now()
        if when < derivation.valid_from:
            raise ValidationError("A derivation cannot end before it starts.")
        derivation.valid_to = when
        _with_user(derivation, user).save(update_fields=["valid_to"])
        outbox.derivation_changed(derivation.source_id, derivation.derived_id)


def derivation_sources_set(*, derived: Dataset, sources: Iterable[Dataset], user, description: str = "") -> None:
    """Make ``derived``'s current sources exactly ``sources``, all with ``description`` (the
    publisher's form and the publication of a working draft): sources dropped are ended,
    new ones added, and one whose description changed is ended and added again, so the
    lineage "as of" a past day still shows what was said then."""
    wanted = {source.pk: source for source in sources}
    current = {d.source_id: d for d in Derivation.objects.current().filter(derived=derived)}
    for source_id, derivation in current.items():
        if source_id not in wanted:
            derivation_remove(derivation=derivation, user=user)
    for source_id, source in wanted.items():
        if source_id not in current:
            derivation_add(derived=derived, source=source, user=user, description=description)
        elif current[source_id].description != description:
            derivation_remove(derivation=current[source_id], user=user)
            derivation_add(derived=derived, source=source, user=user, description=description)


def field_derivation_add(
    *,
    derived: Field,
    source: Field,
    kind: str = FieldDerivation.Kind.IDENTITY,
    description: str = "",
    activity: Activity | None = None,
    user,
) -> FieldDerivation:
    """Record column lineage: ``derived``'s values come from ``source`` (whose dataset ``user`` must see)."""
    if not access.can_edit_dataset(user, derived.dataset):
        raise PermissionDenied("You may not change the lineage of this dataset.")
    if not queries.may_name_as_source(user, source.dataset):
        raise PermissionDenied(SOURCE_NOT_VISIBLE)
    if derived.pk == source.pk:
        raise ValidationError("A field cannot be derived from itself.")
    if kind not in FieldDerivation.Kind.values:
        raise ValidationError(
            f"Unknown transformation kind {kind!r}; use one of {', '.join(FieldDerivation.Kind.values)}."
        )
    with transaction.atomic():
        existing = FieldDerivation.objects.current().filter(derived=derived, source=source).first()
        if existing is not None:
            if existing.kind != kind or existing.description != description:
                existing.kind, existing.description = kind, description
                existing.activity = activity or existing.activity
                existing.save(update_fields=["kind", "description", "activity"])
            return existing
        return FieldDerivation.objects.create(
            derived=derived, source=source, kind=kind, description=description, activity=activity
        )


def stub_organisation() -> Organisation:
    """The holder of datasets that OpenLineage events named before anyone catalogued them."""
    organisation, _ = Organisation.objects.get_or_create(
        slug=STUB_ORGANISATION_SLUG,
        defaults={
            "name": "Unclaimed lineage stubs",
            "kind": Organisation.Kind.OTHER,
            "description": "Placeholders for datasets named in OpenLineage events; publishers claim them.",
        },
    )
    return organisation


def sender_organisation_ids(user) -> list[int]:
    """The organisations an OpenLineage sender acts for: those they edit for. None for a site
    administrator, who acts for the site as a whole."""
    if user is None or access.sees_everything(user):
        return []
    return sorted(access.member_organisation_ids(user, roles=access.EDIT_ROLES))


def dataset_stub_create(*, namespace: str, name: str, named_by: Iterable[int] = ()) -> Dataset:
    """A draft, non-public placeholder for an OpenLineage dataset nobody has catalogued yet,
    claimable by the editors of the organisations in ``named_by`` (and site administrators)."""
    with transaction.atomic():
        dataset = Dataset.objects.create(
            title=name[:300],
            description=f"Named in OpenLineage events as {namespace}/{name}. Not yet claimed by a publisher.",
            publisher=stub_organisation(),
            status=Dataset.Status.DRAFT,
            access_rights=Dataset.AccessRights.NON_PUBLIC,
        )
        alias = DatasetAlias.objects.create(namespace=namespace, name=name, dataset=dataset, is_stub=True)
        alias.named_by.add(*named_by)
        outbox.datasets_changed([dataset.pk])
        return dataset


def stub_named_by(*, dataset: Dataset, organisation_ids: Iterable[int]) -> None:
    """Another event named this stub: its sender's organisations may now claim it too."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids or dataset.publisher.slug != STUB_ORGANISATION_SLUG:
        return
    for alias in DatasetAlias.objects.filter(dataset=dataset, is_stub=True):
        alias.named_by.add(*organisation_ids)  # add() skips the pairs already there


def stub_organisation_ids(dataset: Dataset) -> set[int]:
    """The organisations whose events named this stub."""
    return set(
        DatasetAlias.named_by.through.objects.filter(datasetalias__dataset=dataset).values_list(
            "organisation_id", flat=True
        )
    )


def dataset_stub_claim(*, dataset: Dataset, organisation: Organisation, user) -> Dataset:
    """A publisher takes over a stub their organisation's events named: it moves to that
    organisation, still a draft for them to complete. Site administrators claim any stub."""
    if dataset.publisher.slug != STUB_ORGANISATION_SLUG:
        raise ValidationError("Only unclaimed lineage stubs can be claimed.")
    if not access.can_edit_for_organisation(user, organisation.pk):
        raise PermissionDenied("You may only claim a stub for an organisation you edit for.")
    if not access.sees_everything(user) and organisation.pk not in stub_organisation_ids(dataset):
        raise PermissionDenied("You may only claim a stub that your organisation's lineage events named.")
    with transaction.atomic():
        dataset.publisher = organisation
        dataset.description = dataset.description.replace(" Not yet claimed by a publisher.", "")
        dataset.created_by = dataset.created_by or user
        _with_user(dataset, user).save(update_fields=["publisher", "description", "created_by", "updated_at"])
        DatasetAlias.objects.filter(dataset=dataset).update(is_stub=False)
        outbox.datasets_changed([dataset.pk])
        return dataset


def dataset_alias_add(*, dataset: Dataset, namespace: str, name: str, user) -> DatasetAlias:
    """Declare that an external system's (namespace, name) is this dataset.

    A name another dataset holds is refused; the answer names that dataset only when the user
    may see it, so the alias API cannot be used to learn what a hidden dataset is.
    """
    if not access.can_edit_dataset(user, dataset):
        raise PermissionDenied("You may not change this dataset.")
    holder = (
        DatasetAlias.objects.filter(namespace=namespace, name=name)
        .exclude(dataset=dataset)
        .select_related("dataset")
        .first()
    )
    if holder is not None:
        if access.can_view_dataset(user, holder.dataset):
            raise ValidationError(f"{namespace}/{name} already names “{holder.dataset.title}” ({holder.dataset.slug}).")
        raise ValidationError(f"{namespace}/{name} already names another dataset.")
    alias, _ = DatasetAlias.objects.get_or_create(namespace=namespace, name=name, defaults={"dataset": dataset})
    return alias


def _clean_without_unique_uri(instance) -> None:
    """Validate every field, the uri with its own validators (lib.iri among them) but not its
    uniqueness: a blank uri is minted on save, and callers look a given one up first."""
    instance.full_clean(exclude=["uri"])
    if instance.uri:
        try:
            type(instance)._meta.get_field("uri").clean(instance.uri, instance)
        except ValidationError as exc:
            raise ValidationError({"uri": exc.messages}) from None


def agent_record(*, user, data: dict) -> Agent:
    """A new prov:Agent (a person, organisation or piece of software)."""
    agent = Agent(**data)
    _clean_without_unique_uri(agent)
    agent.save()
    return agent


def activity_record(*, user, data: dict) -> Activity:
    """A new prov:Activity; nothing shows it until a derivation or a check names it."""
    activity = Activity(**data)
    _clean_without_unique_uri(activity)
    _with_user(activity, user).save()
    return activity
