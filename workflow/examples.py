"""An example proposal with a complete Projektsteckbrief: the demo of ``make run`` shows it to a newcomer, and
the decision benchmark submits it, so both pass the same submission checks a real proposal does."""

from datetime import date
from decimal import Decimal
from typing import Any

from governance.models import Kompetenz, Organisationseinheit, Querschnittsthema, Richtung, Wirkung

from .services.steckbrief import (
    KennzahlInput,
    MeilensteinInput,
    RessourcenInput,
    SteckbriefInput,
    WirkungInput,
)

EXAMPLE_TITLE = "Beispiel: Radschnellweg Ruhr – Lückenschluss in Bochum"


def example_proposal(
    *, kompetenz: Kompetenz, lead: Any, today: date
) -> tuple[dict[str, Any], SteckbriefInput]:
    """The KA's fields and the Steckbrief of the example, planned from ``today`` on."""
    values = {
        "titel": EXAMPLE_TITLE,
        "beschreibung": (
            "Zwischen Innenstadt und Ruhr-Universität fehlen 4,2 km einer durchgehenden, sicheren "
            "Radverbindung. Dieses Beispiel zeigt einen vollständigen Projektsteckbrief."
        ),
        "smart_ziele": (
            f"Bis Ende {today.year + 4} sind 4,2 km Radschnellweg gebaut und freigegeben; der "
            "Radverkehrsanteil an der Zählstelle Universitätsstraße steigt von 8 % auf 15 %."
        ),
        "schwerpunkt": kompetenz.schwerpunkte.order_by("position").first(),
        "geplanter_start": date(today.year + 1, 1, 1),
        "geplantes_ende": date(today.year + 4, 12, 31),
        "linienverantwortung": Organisationseinheit.objects.order_by("art", "name").first(),
        "externe_partner": "Regionalverband Ruhr, BOGESTRA",
    }
    steckbrief = SteckbriefInput(
        ausgangslage="Der Radverkehr wächst, das Netz hat Lücken an drei Knotenpunkten.",
        massnahmen="Planung und Planfeststellung, Ausschreibung, Bau in drei Abschnitten.",
        risiken="Grunderwerb, Baupreise, Bewilligung der Fördermittel.",
        personal_vzae=Decimal("1.5"),
        projektleitung=lead,
        mitglieder=[lead],
        querschnittswirkungen=[
            WirkungInput(thema, Wirkung.POSITIV, "Sichere Wege für alle, weniger Verkehr.")
            for thema in Querschnittsthema.objects.order_by("position")
        ],
        kennzahlen=[
            KennzahlInput(
                name="Radverkehrsanteil an der Zählstelle Universitätsstraße",
                einheit="%",
                ausgangswert=Decimal(8),
                ausgangsdatum=date(today.year - 1, 12, 31),
                zielwert=Decimal(15),
                zieldatum=date(today.year + 4, 12, 31),
                richtung=Richtung.HOEHER,
                datenquelle="Dauerzählstellen des Tiefbauamts",
            )
        ],
        meilensteine=[
            MeilensteinInput("Planfeststellung abgeschlossen", date(today.year + 2, 6, 30)),
            MeilensteinInput("Radschnellweg freigegeben", date(today.year + 4, 10, 31)),
        ],
        ressourcen=[
            RessourcenInput(
                today.year + year,
                Decimal(cost),
                haushalt_eur=Decimal(cost) * 4 / 10,
                foerdermittel_eur=Decimal(cost) * 6 / 10,
            )
            for year, cost in ((1, 400_000), (2, 1_200_000), (3, 2_500_000), (4, 900_000))
        ],
    )
    return values, steckbrief
