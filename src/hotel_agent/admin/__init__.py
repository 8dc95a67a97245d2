"""Admin accounts, authentication and (later) the admin API and UI mounted at /admin."""
