"""What the service writes down: votes, the redacted question log, and their database."""
