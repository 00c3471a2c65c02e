"""`finops server up` names the deployments prefect.yaml declares, as Prefect names them."""

from __future__ import annotations

import yaml

from cli.server import REPO, deployment_names


def test_deployments_are_read_from_prefect_yaml():
    declared = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]

    names = deployment_names()

    assert [name.split("/")[1] for name in names] == [d["name"] for d in declared]
    assert names == ["aws-cur/monthly", "aws-cur/daily", "azure-billing/monthly", "azure-billing/daily",
                     "gcp-billing/monthly", "gcp-billing/daily", "focus-build/nightly",
                     "commitment-alerts/daily", "dashboards-provision/on-demand"]
