"""One-host deployment with nginx in front: releases, weighted canary, automatic rollback.

`hotel-agent deploy ...` (and the thin `make deploy/health/canary-*/rollback` targets) run a release as N
web processes (`hotel-agent serve --workers 1`, one port each) plus M queue workers, behind an nginx of
its own whose upstream weights split traffic between the stable release and a canary. Each process's own
/metrics is scraped to compare the two (`analysis.py`); a failed comparison sends every request back to
stable at once. State (which release runs where) is one JSON file under the deploy directory.

    config.py     DeployConfig: ports, process counts, steps, pauses, thresholds (one TOML per environment)
    state.py      the JSON state: releases, their instances, the canary weight
    processes.py  start, health-check and gracefully stop a release's processes
    nginx.py      render the config from the template, start nginx, reload without dropping connections
    metrics.py    scrape and difference each release's Prometheus counters and histograms
    analysis.py   the rollback triggers and the versioned canary report
    rollout.py    deploy, canary, promote, rollback: the sequences, each step safe to re-run
    commands.py   the typer CLI
"""
