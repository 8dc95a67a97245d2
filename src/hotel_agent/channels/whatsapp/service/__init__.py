"""The channel's logic by use case: intake (webhook), processing (queue job), outbox (sends), statuses."""
