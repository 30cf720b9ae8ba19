"""The practice's appointment menu (menu), what fits an intake (recommendation) and which
type a client picked (choice)."""
from bot.vocabulary import CONDITION_IDS, GOAL_IDS

from .choice import find_appointment_type, length_named, length_not_offered, options_asked_about, tied_picks
from .menu import (APPOINTMENT_CLIENT_TYPES, DEFAULT_PATH, AppointmentType, describe,
                   load_catalogue, offered_types, treatment_name_spans)
from .recommendation import recommend_appointment_types

__all__ = [
    "APPOINTMENT_CLIENT_TYPES", "CONDITION_IDS", "DEFAULT_PATH", "GOAL_IDS", "AppointmentType",
    "describe", "find_appointment_type", "length_named", "length_not_offered", "load_catalogue", "offered_types",
    "options_asked_about", "recommend_appointment_types", "tied_picks", "treatment_name_spans",
]
