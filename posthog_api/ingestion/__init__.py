"""Event ingestion: the capture endpoints PostHog's SDKs call, payload decoding and person processing."""
