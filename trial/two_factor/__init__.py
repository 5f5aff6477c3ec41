"""Two-factor authentication: after the password, a code from an authenticator app (TOTP,
django-otp) or one of ten single-use recovery codes.

Data managers and administrators must have it (rules); everyone else may set it up. A signed-in
user who has it, or must have it, reaches no other page until the session has given a code
(middleware); the admin checks the same (admin_site). The devices, the codes and the access
log rows are written by devices; the pages are views.
"""
