import sys

from openfinops.cli import main

sys.exit(main())
