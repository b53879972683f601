"""Entry points: CLI, Slack app, workers, sidecar and settings."""
