#!/usr/bin/env bash
# Container smoke test: build the pipeline image, start prefect-server, setup and worker with
# podman-compose, run aws-cur/monthly over sample exports mounted into the worker, and check the
# FOCUS table in the data volume. Metabase (profile "dashboards") is left out: its image cannot be
# pulled on the build machines. Needs root (podman-sandbox installs podman and a local base image).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

bash ../shared/tools/podman-sandbox

work=$(mktemp -d)
project=finops-smoke
compose() { podman-compose -p "$project" "$@"; }
export BASE_IMAGE=localhost/python-base:3.11
export OPEN_FINOPS_EXPORTS_DIR=$work/exports
export OPEN_FINOPS_AWS_EXPORTS='[{"name": "demo-cur-v1", "cur_version": "v1", "path": "/exports/cur-v1"},
  {"name": "demo-cur2", "cur_version": "v2", "path": "/exports/cur2"}]'
cleanup() {
  compose down -v > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Sample exports for the last three closed months, in the layouts AWS writes.
.venv/bin/python - "$work/exports" <<'PY'
import sys
from pathlib import Path
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2
from openfinops.periods import recent_periods
root = Path(sys.argv[1])
write_cur_v1(root / "cur-v1", report="demo-cur-v1", periods=recent_periods(3), rows_per_period=500)
write_cur_v2(root / "cur2", export="demo-cur2", periods=recent_periods(3), rows_per_period=500)
PY
chmod -R a+rX "$work"

podman build --build-arg BASE_IMAGE="$BASE_IMAGE" -t localhost/open-finops-stack:latest -f Containerfile . 
compose up -d prefect-server setup worker

echo "smoke: waiting for setup (work pool, automations, deployments)"
status=$(podman wait "${project}_setup_1")
[ "$status" = "0" ] || { podman logs "${project}_setup_1"; echo "smoke: setup failed"; exit 1; }

echo "smoke: prefect deployment run aws-cur/monthly"
compose exec -T worker prefect deployment run aws-cur/monthly --watch --watch-timeout 900

rows=$(compose exec -T worker python -c "
import duckdb
con = duckdb.connect('/data/finops.duckdb', read_only=True)
print(con.execute('SELECT count(*) FROM focus.cost_and_usage').fetchone()[0])" | tr -d '\r' | grep -E '^[0-9]+$' | tail -n 1)
echo "smoke: focus.cost_and_usage has $rows rows in the data volume"
[ "$rows" -gt 0 ]
# The worker's runs write the offline report (compose.yaml turns it on).
compose exec -T worker test -s /data/reports/dashboards.html
echo "smoke: the worker wrote the offline report"
echo "smoke: ok"
