"""``python -m newswatch`` runs the CLI."""

from newswatch.cli import run

run()
