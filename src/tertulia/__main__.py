"""`python -m tertulia` runs the command line."""

from tertulia.cli import main

main()
