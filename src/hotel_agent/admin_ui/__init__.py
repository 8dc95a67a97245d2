"""The admin panel: server-rendered pages at /admin/ui, calling the same services as the JSON API.

A sub-application (app.py) mounted by the main app; its pages are Jinja files under `pages/`, its own CSS
and the small script that enhances them under `static/`. Every page works as plain HTML forms.
"""
