"""``python -m healthgap`` runs the command line."""

from healthgap.cli.main import run

run()
