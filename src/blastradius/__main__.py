"""Allow ``python -m blastradius``."""

from blastradius.cli import main

if __name__ == "__main__":
    main()
