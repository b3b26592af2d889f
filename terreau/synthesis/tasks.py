"""Background tasks (Django's Tasks API; `manage.py db_worker` runs them).

`run_synthesis` executes one queued run. `check_syntheses` is the periodic check; schedule it
with cron or a systemd timer through `manage.py synthesis_check` (see docs/synthesis.md).
"""

from __future__ import annotations

from django.tasks import task

from terreau.synthesis import services


@task
def run_synthesis(run_id: int) -> None:
    services.execute_run(run_id)


@task
def check_syntheses() -> dict[str, int]:
    return services.check_for_changes()
