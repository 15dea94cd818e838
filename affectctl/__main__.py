"""``python -m affectctl``: the same command line as the ``affectctl`` script."""

from .cli import main

main()
