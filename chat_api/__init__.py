"""The HTTP chat service: FastAPI app for the widget, Slack and remote evaluators."""
