"""After a LINE login, sign-up, link or unlink: keep `LineContact` in step (incubator.line)."""

from allauth.account.signals import user_signed_up
from allauth.socialaccount.signals import social_account_added, social_account_removed, social_account_updated
from django.dispatch import receiver

from incubator import line_contacts


def _link(sociallogin) -> None:
    account = sociallogin.account
    if account.provider != "line" or not account.user_id:
        return
    friend = account.extra_data.get("friendFlag")
    line_contacts.line_contact_link(user=account.user, line_user_id=account.uid, is_friend=friend)


@receiver(social_account_added, dispatch_uid="line-account-added")
@receiver(social_account_updated, dispatch_uid="line-account-updated")
def line_account_linked(sender, request, sociallogin, **kwargs) -> None:
    _link(sociallogin)


@receiver(user_signed_up, dispatch_uid="line-user-signed-up")
def line_user_signed_up(sender, request, user, **kwargs) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        _link(sociallogin)


@receiver(social_account_removed, dispatch_uid="line-account-removed")
def line_account_removed(sender, request, socialaccount, **kwargs) -> None:
    if socialaccount.provider == "line":
        line_contacts.line_contact_unlink(user=socialaccount.user)
