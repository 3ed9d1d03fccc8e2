from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from cpinspect import database


class Command(BaseCommand):
    help = "Start the demo over: empty the database, then set the demo up again."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Use this password for every demo user.")

    def handle(self, *args, password=None, **options):
        if not settings.CPINSPECT_DEMO:
            raise CommandError("reset_demo empties the database, so it needs CPINSPECT_DEMO=1.")
        for connection in connections.all():
            connection.close()
        database.reset_schema(settings.DATABASES["owner"])
        self.stdout.write("Database emptied.")
        call_command("demo", no_serve=True, password=password, stdout=self.stdout)
