"""``python -m trafficprev`` runs the command line."""

from trafficprev.cli import main

raise SystemExit(main())
