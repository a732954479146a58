"""Developer tools of botsKYC (not part of the running services)."""
