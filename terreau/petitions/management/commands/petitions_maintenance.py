from django.core.management.base import BaseCommand

from terreau.petitions import tasks


class Command(BaseCommand):
    help = (
        "Periodic petition jobs (run every few minutes from cron, or --enqueue for a task worker): "
        "close expired collections, flag fraud clusters, reconcile counts, check thresholds, "
        "re-queue unsent confirmations, anonymize signers N months after closing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Queue the job for a task worker instead.")

    def handle(self, *args, enqueue: bool = False, **options) -> None:
        if enqueue:
            result = tasks.maintenance.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        self.stdout.write(str(tasks.run_maintenance()))
