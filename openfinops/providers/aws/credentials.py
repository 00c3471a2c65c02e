"""AWS sessions: the standard credential chain, or a prefect-aws `AwsCredentials` block.

Deployments keep credentials in a block (`[aws] credentials_block`, created in the Prefect UI or
with prefect-aws); everything else uses the chain (environment, shared profile, SSO, instance or
task role). The secret values never leave the session objects: nothing logs or stores them.
"""

from __future__ import annotations

import boto3

from openfinops.errors import AccessError


def aws_session(credentials_block: str | None = None) -> boto3.session.Session:
    """A new session each call, so a long-running worker picks up rotated credentials."""
    if not credentials_block:
        return boto3.session.Session()
    from prefect_aws import AwsCredentials

    try:
        block = AwsCredentials.load(credentials_block, validate=False)
    except ValueError as exc:
        raise AccessError(f"prefect-aws AwsCredentials block {credentials_block!r}: {exc}") from None
    return block.get_boto3_session()


def s3fs_credentials(credentials_block: str | None) -> dict[str, str | None]:
    """Keyword arguments that give s3fs the block's credentials (none: s3fs uses the chain)."""
    if not credentials_block:
        return {}
    credentials = aws_session(credentials_block).get_credentials()
    if credentials is None:
        raise AccessError(f"prefect-aws AwsCredentials block {credentials_block!r} holds no credentials")
    frozen = credentials.get_frozen_credentials()
    return {"key": frozen.access_key, "secret": frozen.secret_key, "token": frozen.token}
