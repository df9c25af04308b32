"""blastradius: which packages in a Python project can reach which provider credentials.

The code is a one-way pipeline; every stage returns plain data (dataclasses) to the next:

    sources/ -> graph -> credentials/ . capabilities/ . advisories/ -> scoring -> compare -> report/

Nothing here imports, builds or runs the code it audits.
"""

__version__ = "0.1.0"
