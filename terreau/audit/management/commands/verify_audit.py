"""Recompute the audit chain from the first event and say whether it is intact.

Exit status: 0 intact; 1 broken (the first broken event is named); 2 intact but the
expected head (a hash published earlier) is not in the chain, i.e. the log was rewritten.
"""

import re

from django.core.management.base import BaseCommand, CommandError

from terreau.audit.services import CHUNK_SIZE, append_only_guard_installed, verify_chain

HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class Command(BaseCommand):
    help = "Verify the hash-chained audit log (and, optionally, that a published head is still in it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-head",
            "--since-head",
            dest="expected_head",
            metavar="HASH",
            help="a head hash published earlier (head.json): check that the chain still contains it",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="events read per query")

    def handle(self, *args, expected_head=None, chunk_size=CHUNK_SIZE, **options):
        if expected_head is not None:
            expected_head = expected_head.strip().lower()
            if not HASH_RE.match(expected_head):
                raise CommandError("--expected-head must be a SHA-256 hash: 64 hexadecimal characters", returncode=2)
        if chunk_size < 1:
            raise CommandError("--chunk-size must be positive")
        if not append_only_guard_installed():
            self.stderr.write(
                "Warning: the database trigger that refuses changes to audit events is missing "
                "(see terreau/audit/migrations/0002_append_only_triggers.py)."
            )
        result = verify_chain(expected_head=expected_head, chunk_size=chunk_size)
        if result.broken is not None:
            raise CommandError(
                f"Audit chain broken at event {result.broken.sequence}: {result.broken.reason.value} "
                f"({result.broken.detail}). {result.count} events before it are intact.",
                returncode=1,
            )
        self.stdout.write(f"Audit chain intact: {result.count} events, head {result.head_hash}")
        if expected_head is not None:
            if not result.expected_head_found:
                raise CommandError(
                    f"Expected head {expected_head} is not in the chain: the log was rewritten "
                    "since that head was published (or the head comes from another instance).",
                    returncode=2,
                )
            self.stdout.write(f"Expected head found at event {result.expected_head_sequence}.")
