"""Server-side setup as code: work pool, notification block, automations, deployments."""
