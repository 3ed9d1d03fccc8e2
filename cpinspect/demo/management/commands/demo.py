import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from cpinspect.demo.builder import build_demo, demo_guide, finish_demo_fieldwork
from cpinspect.scheduling.demo import build_demo_plan


def _unapplied_migrations():
    executor = MigrationExecutor(connections["owner"])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


class Command(BaseCommand):
    help = (
        "Set up the demo (reference data, demo users, a demo programme) and serve it, "
        "with a background worker for imports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Set up, then exit.")
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--password", help="Use this password for every demo user.")

    def handle(self, *args, no_serve=False, addrport="127.0.0.1:8000", password=None, **kw):
        if not settings.CPINSPECT_DEMO:
            raise CommandError("The demo needs CPINSPECT_DEMO=1 (make demo sets it).")
        self.stdout.write("Preparing the database...")
        if _unapplied_migrations():
            call_command("migrate", database="owner", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_reference_data", stdout=self.stdout)
        credentials = build_demo(password=password)
        self.stdout.write("Solving the year's programme plan (a few seconds)...")
        plan = build_demo_plan()
        self.stdout.write(f"Programme plan: {plan}, solver status {plan.solver_status}.")
        # after the plan, which it would change (see builder.FIELDWORK_PEOPLE)
        credentials |= finish_demo_fieldwork(password=password)
        self.stdout.write(
            self.style.SUCCESS("\nDemo users (demo data only; passwords change every run):")
        )
        for email, who, tries in demo_guide():
            if email in credentials:
                self.stdout.write(f"  {email:36} {credentials[email]}\n      {who}: {tries}")
        if no_serve:
            return
        self.stdout.write(self.style.SUCCESS(f"\nServing at http://{addrport}/ (Ctrl-C stops)"))
        sys.stdout.flush()
        # the background worker runs web and API imports; it stops with the server
        worker = subprocess.Popen(  # noqa: S603 (our own command, no user input)
            [sys.executable, "-m", "cpinspect.cli", "db_worker", "--no-reload"]
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
