"""The logged-in user as Flask-Login sees it, built from an accounts Identity."""
from flask_login import UserMixin


class Principal(UserMixin):
    """Read-only view of the current user: id, tenant key, user name and roles."""

    def __init__(self, identity):
        self.id = identity.user_id
        self.tenant = identity.tenant
        self.username = identity.username
        self.roles = tuple(identity.roles)
        self.language = identity.language
        self._active = identity.active

    @property
    def is_active(self):
        """Flask-Login refuses sessions of deactivated users."""
        return self._active

    def has_role(self, role):
        """True when the user holds `role` in their tenant."""
        return role in self.roles
