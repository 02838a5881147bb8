"""OpenLineage intake bench: what a request costs the web process and what it leaves the worker.

    createdb -h 127.0.0.1 -U postgres provcat_olbench                 # once
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/provcat_olbench
    .venv/bin/python bench/openlineage_intake.py [--batch 1000] [--fan-out 20 50]

Migrates, then posts through the Django test client as a superuser with a token (the ingest
view exactly as a producer reaches it, without a socket):

- a batch of ``--batch`` small RunEvents (one input, one output each): the request validates
  every event against its vendored JSON schema and stores them; nothing is applied in it;
- for each N of ``--fan-out``: one COMPLETE RunEvent with N inputs and N outputs (the limit is
  OPENLINEAGE_MAX_DATASETS_PER_EVENT), timed in the request, then applied as the worker applies
  it (``openlineage_event_apply``), timed separately, with the derivations it made.

Celery nudges are dropped (the bench applies by hand), so no worker is needed; the lineage
closure's own drain is not included (see the Lineage section of RESULTS.md for its cost).
Every event names new datasets, which become stubs, so the figures include stub creation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_THROTTLE_OPENLINEAGE", "none")
os.environ.setdefault("API_THROTTLE_USER", "none")


def run_event(namespace: str, inputs: list[str], outputs: list[str]) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": datetime.now(UTC).isoformat(),
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": namespace, "name": "nightly_build"},
        "inputs": [{"namespace": namespace, "name": name} for name in inputs],
        "outputs": [{"namespace": namespace, "name": name} for name in outputs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--fan-out", type=int, nargs="*", default=[20, 50])
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    import provenance.openlineage
    from provenance.models import Derivation
    from provenance.openlineage import openlineage_event_apply

    call_command("migrate", verbosity=0)
    provenance.openlineage._nudge = lambda ids: None  # applied by hand below
    user, _ = get_user_model().objects.get_or_create(username="bench-ol", defaults={"is_superuser": True})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {Token.objects.get_or_create(user=user)[0].key}"}
    client = Client()
    print(f"# {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}")

    run = uuid.uuid4().hex[:8]
    events = [run_event(f"bench://{run}", [f"in_{i}"], [f"out_{i}"]) for i in range(args.batch)]
    body = json.dumps(events)
    started = time.perf_counter()
    response = client.post("/api/v1/lineage/batch", body, content_type="application/json", **headers)
    elapsed = time.perf_counter() - started
    print(
        f"batch of {args.batch} events ({len(body) / 1024:.0f} KB): {response.status_code} "
        f"in {elapsed:.2f} s ({elapsed / args.batch * 1000:.2f} ms per event, in the request)"
    )

    for n in args.fan_out:
        namespace = f"bench://{run}/fan{n}"
        event = run_event(namespace, [f"in_{i}" for i in range(n)], [f"out_{i}" for i in range(n)])
        body = json.dumps(event)
        started = time.perf_counter()
        response = client.post("/api/v1/lineage", body, content_type="application/json", **headers)
        in_request = time.perf_counter() - started
        if response.status_code != 201:
            print(f"{n} x {n} event ({len(body) / 1024:.1f} KB): {response.status_code} {response.content[:200]!r}")
            continue
        started = time.perf_counter()
        openlineage_event_apply(event_id=response.json()["id"])
        applying = time.perf_counter() - started
        made = Derivation.objects.filter(derived__aliases__namespace=namespace).count()
        print(
            f"{n} x {n} event ({len(body) / 1024:.1f} KB): {response.status_code} in {in_request * 1000:.0f} ms "
            f"in the request; applied by the worker in {applying:.1f} s, {made} derivations"
        )


if __name__ == "__main__":
    main()
