"""The Slack bot: Bolt listeners, Block Kit answers, the signed-request gate, Socket Mode."""
