"""`manage.py staffing --arrivals-per-hour 200 --aht-seconds 240 --service-level 0.8
--answer-within-seconds 20 [--shrinkage 0.3] [--patience-seconds S] [--concurrency N] [--json]`

Agents needed for a service-level target (Erlang C; Erlang A with a patience time).
`--json` prints one object: agents, agents_with_shrinkage (always; equal to agents without
--shrinkage), service_level, occupancy, asa_seconds, and the inputs' model and traffic."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from blockdesk.staffing import erlang


class Command(BaseCommand):
    help = "Agents needed for a service-level target (Erlang C, or Erlang A with patience)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--arrivals-per-hour", type=float, required=True)
        parser.add_argument("--aht-seconds", type=float, required=True, help="Average handle time.")
        parser.add_argument(
            "--service-level", type=float, required=True, help="Target share, e.g. 0.8."
        )
        parser.add_argument("--answer-within-seconds", type=float, required=True)
        parser.add_argument(
            "--shrinkage", type=float, default=0.0, help="Share of paid time off the queue."
        )
        parser.add_argument(
            "--patience-seconds",
            type=float,
            help="Mean time before a waiting customer gives up: Erlang A instead of C.",
        )
        parser.add_argument(
            "--concurrency", type=int, default=1, help="Chats an agent handles at once."
        )
        parser.add_argument("--json", action="store_true", help="One JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        inputs = {
            name: options[name]
            for name in (
                "arrivals_per_hour",
                "aht_seconds",
                "service_level",
                "answer_within_seconds",
                "patience_seconds",
                "concurrency",
                "shrinkage",
            )
        }
        try:
            erlang.check_inputs(**inputs)
            result = staffing_result(**inputs)
        except erlang.StaffingInputError as exc:
            raise CommandError(f"--{exc.field.replace('_', '-')}: {exc.message}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            _(
                "Agents needed: %(agents)d (%(scheduled)d to schedule with %(shrinkage)s%% "
                "shrinkage)\nService level: %(sl).1f%% answered within %(within)gs\n"
                "Occupancy: %(occ).1f%%\nAverage speed of answer: %(asa).1fs"
            )
            % {
                "agents": result["agents"],
                "scheduled": result["agents_with_shrinkage"],
                "shrinkage": f"{options['shrinkage'] * 100:g}",
                "sl": result["service_level"] * 100,
                "within": options["answer_within_seconds"],
                "occ": result["occupancy"] * 100,
                "asa": result["asa_seconds"],
            }
        )
        if result["model"] == "erlang_a":
            self.stdout.write(_("Abandoned: %(rate).1f%%") % {"rate": result["abandon_rate"] * 100})


def staffing_result(
    *,
    arrivals_per_hour: float,
    aht_seconds: float,
    service_level: float,
    answer_within_seconds: float,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    concurrency: int = 1,
) -> dict[str, Any]:
    found = erlang.agents_for_service_level(
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        service_level=service_level,
        answer_within_seconds=answer_within_seconds,
        patience_seconds=patience_seconds,
        concurrency=concurrency,
    )
    result: dict[str, Any] = {
        "agents": found.agents,
        "service_level": round(found.service_level, 6),
        "occupancy": round(found.occupancy, 6),
        "asa_seconds": round(found.asa_seconds, 3),
        "agents_with_shrinkage": erlang.agents_with_shrinkage(
            agents=found.agents, shrinkage=shrinkage
        ),
        "shrinkage": shrinkage,
        "traffic_erlangs": round(
            erlang.traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_seconds=aht_seconds), 6
        ),
        "model": "erlang_c" if patience_seconds is None else "erlang_a",
    }
    if patience_seconds is not None:
        result["abandon_rate"] = round(found.abandon_rate, 6)
    if concurrency > 1:
        result["concurrency"] = concurrency
    return result
