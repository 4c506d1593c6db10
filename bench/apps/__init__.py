"""The apps compared, each a small module with ``create_app()`` served by Gunicorn.

Every app serves the same page (``templates/page.html``) at the same paths:

``GET /page``
    the page with its form, anonymous (``anon``);
``GET /private``
    the same page for a logged-in user (``auth``);
``POST /page``
    the form posted with its CSRF token (``post``);
``POST /login``
    email and password (``login``), after a ``GET /login`` for the token.

Each module also offers ``init_db(app)``, run once before Gunicorn starts, and
``password_verifier(app)``, one verification of the benchmark password with that app's own
default hasher, which the driver times to get the hash-bound login rate.
"""
