"""The PMS port (base.py) and its implementations: the embedded demo PMS (local/) and QloApps (qloapps/)."""
