"""Existing lineage stubs and OpenLineage activities get the organisation scope that 0007 adds."""

import hashlib

from django.db import migrations

STUB_ORGANISATION_SLUG = "unclaimed-lineage-stubs"
EDIT_ROLES = ("admin", "editor")


def _dataset_names(payload: dict):
    """Every (namespace, name) an event named: inputs, outputs, its dataset, column-lineage sources."""
    refs = []
    if isinstance(payload, dict):
        for key in ("inputs", "outputs"):
            refs += [r for r in payload.get(key) or [] if isinstance(r, dict)]
        if isinstance(payload.get("dataset"), dict):
            refs.append(payload["dataset"])
    for ref in list(refs):
        facets = ref.get("facets")
        lineage = facets.get("columnLineage") if isinstance(facets, dict) else None
        fields = lineage.get("fields") if isinstance(lineage, dict) else None
        for spec in (fields or {}).values() if isinstance(fields, dict) else []:
            if isinstance(spec, dict):
                refs += [r for r in spec.get("inputFields") or [] if isinstance(r, dict)]
    return {(r.get("namespace"), r.get("name")) for r in refs if isinstance(r.get("name"), str)}


def scope_existing_stubs_and_activities(apps, schema_editor):
    """Existing stubs become claimable by the organisations whose senders named them (as the
    applier now records), and existing OpenLineage activities take the key of the organisation
    whose event made them, so that organisation's later events of the same run or job find them
    and no other organisation's do."""
    OpenLineageEvent = apps.get_model("provenance", "OpenLineageEvent")
    DatasetAlias = apps.get_model("provenance", "DatasetAlias")
    Activity = apps.get_model("provenance", "Activity")
    Membership = apps.get_model("catalogue", "Membership")
    scopes: dict[int, list[int]] = {}

    def sender_scope(user) -> list[int]:
        if user.is_superuser:
            return []
        if user.pk not in scopes:
            scopes[user.pk] = sorted(
                Membership.objects.filter(user_id=user.pk, role__in=EDIT_ROLES)
                .exclude(organisation__slug=STUB_ORGANISATION_SLUG)
                .values_list("organisation_id", flat=True)
            )
        return scopes[user.pk]

    stubs = {(a.namespace, a.name): a.pk for a in DatasetAlias.objects.filter(is_stub=True)}
    named = set()
    first_run_sender, first_job_sender = {}, {}
    events = OpenLineageEvent.objects.filter(received_by__isnull=False).select_related("received_by")
    for event in events.order_by("received_at", "pk").iterator():
        org_ids = sender_scope(event.received_by)
        if org_ids:
            for name in _dataset_names(event.payload):
                if name in stubs:
                    named.update((stubs[name], pk) for pk in org_ids)
        if event.run_id:
            first_run_sender.setdefault(event.run_id, org_ids)
        if event.kind == "job":
            first_job_sender.setdefault((event.job_namespace, event.job_name), org_ids)

    Through = DatasetAlias.named_by.through
    Through.objects.bulk_create(
        [Through(datasetalias_id=alias_id, organisation_id=pk) for alias_id, pk in sorted(named)],
        ignore_conflicts=True,
    )

    def label(org_ids) -> str:
        return "-".join(f"o{pk}" for pk in org_ids) or "site"

    renames = {}
    for run_id, org_ids in first_run_sender.items():
        renames[f"/id/activity/openlineage-run-{run_id}"] = f"/id/activity/openlineage-run-{label(org_ids)}-{run_id}"
    for (namespace, name), org_ids in first_job_sender.items():
        old = hashlib.sha1(f"{namespace}\n{name}".encode()).hexdigest()[:16]
        new = hashlib.sha1(f"{label(org_ids)}\n{namespace}\n{name}".encode()).hexdigest()[:16]
        renames[f"/id/activity/openlineage-job-{old}"] = f"/id/activity/openlineage-job-{new}"
    for activity in Activity.objects.filter(uri__contains="/id/activity/openlineage-").only("pk", "uri"):
        for old, new in renames.items():
            if activity.uri.endswith(old):
                uri = activity.uri[: -len(old)] + new
                if not Activity.objects.filter(uri=uri).exists():
                    Activity.objects.filter(pk=activity.pk).update(uri=uri)
                break


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0012_outbox"),
        ("provenance", "0007_stub_and_activity_scope"),
    ]

    operations = [
        migrations.RunPython(scope_existing_stubs_and_activities, migrations.RunPython.noop),
    ]
