"""Azure Cost Management exports (actual, amortized and FOCUS cost details), from a blob container
or a local folder."""

from openfinops.providers import ConfigSection

from .config import parse_section

SECTION = ConfigSection(key="azure", parse=parse_section)
