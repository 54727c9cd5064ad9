"""The demo business (`flask --app app seed-demo`): an area of one command, listed last
because it seeds every other area's records."""

from app.core.areas import Area
from app.demo import commands

AREA = Area("demo", commands=commands.COMMANDS)
