"""AWS billing exports: legacy CUR, CUR 2.0 and the FOCUS export, from S3 or a local folder."""

from openfinops.providers import ConfigSection

from .config import parse_section

SECTION = ConfigSection(key="aws", parse=parse_section)
