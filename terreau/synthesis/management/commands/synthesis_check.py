"""Re-run syntheses whose source changed past the threshold; assign new contributions otherwise.

python manage.py synthesis_check            # run the check now (cron: every 15 minutes)
python manage.py synthesis_check --enqueue  # hand the check to the task worker instead
"""

from django.core.management.base import BaseCommand

from terreau.synthesis import services
from terreau.synthesis.tasks import check_syntheses


class Command(BaseCommand):
    help = "Re-run or update the syntheses whose contributions changed."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the check as a background task.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            check_syntheses.enqueue()
            self.stdout.write("Check queued.")
            return
        done = services.check_for_changes()
        self.stdout.write(f"{done['rerun']} re-run(s) queued, {done['assigned']} contribution(s) assigned.")
