"""``python -m coverage_gaps`` runs the command line."""

from .cli import main

main()
