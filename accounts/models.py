from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from core.audit import audit
from core.text import mask_phone


class User(AbstractUser):
    """A person who logs in: by username or by mobile number."""

    name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    county = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    # Set where someone else chose the password (a generated initial password, an admin's
    # reset): pages and the API let the person do nothing else until they change it.
    must_change_password = models.BooleanField(
        _("must change the password at next login"), default=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="user_phone_unique"
            )
        ]

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        """Every path that changes a password or deactivates a login (the pages, the API, the
        admin, set_password anywhere) revokes the user's API tokens in the same transaction.

        Whoever made the change may be named by setting `changed_by` on the instance first;
        the audit entry then names them."""
        adding = self._state.adding
        password_changed = self._password is not None  # set by set_password(), until saved
        update_fields = kwargs.get("update_fields")
        deactivating = not self.is_active and (
            update_fields is None or "is_active" in update_fields
        )
        if adding or not (password_changed or deactivating):
            return super().save(*args, **kwargs)
        with transaction.atomic():
            super().save(*args, **kwargs)
            actor = getattr(self, "changed_by", None)
            revoked = self.revoke_api_tokens(
                reason="password_changed" if password_changed else "deactivated", actor=actor
            )
            if password_changed:
                audit(
                    actor=actor,
                    action="user.password_change",
                    obj=self,
                    county_id=self.county_id,
                    after={
                        "tokens_revoked": revoked,
                        "must_change_password": self.must_change_password,
                    },
                )

    def revoke_api_tokens(self, *, reason: str, actor=None) -> int:
        """Delete every API token of this user; audit how many and why. Returns the count."""
        revoked, _by_model = ApiToken.objects.filter(user=self).delete()
        if revoked:
            audit(
                actor=actor,
                action="user.tokens_revoke",
                obj=self,
                county_id=self.county_id,
                after={"reason": reason, "tokens": revoked},
            )
        return revoked


class LoginThrottle(models.Model):
    """Failed-login counter for one key (an account name or a client address).

    Kept in the database so that every server process sees the same count.
    """

    key = models.CharField(max_length=190, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
