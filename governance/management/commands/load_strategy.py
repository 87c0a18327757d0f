from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.services import strategy_load
from governance.strategy_data import DEFAULT_DATA_FILE, StrategyDataError, read_strategy_file


class Command(BaseCommand):
    help = (
        "Lädt die Bochum Strategie (Kompetenzen, Schwerpunkte, Kernaktivitäten) aus der mitgelieferten Datei."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DEFAULT_DATA_FILE, help="Datendatei (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_strategy_file(options["file"])
        except StrategyDataError as error:
            raise CommandError(f"{error} Es wurde nichts geändert.") from None
        report = strategy_load(data=data)
        if not report.changed:
            self.stdout.write("Bochum Strategie ist aktuell: nichts geändert.")
            return
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Bochum Strategie geladen."))
