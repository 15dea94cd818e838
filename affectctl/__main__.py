"""``python -m affectctl``: the same command line as the ``affectctl`` script."""

from affectctl.cli import main

main()
