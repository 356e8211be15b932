from allauth.socialaccount.providers.line.provider import LineProvider as AllauthLineProvider

from incubator.linelogin.views import LineOAuth2Adapter


class LineProvider(AllauthLineProvider):
    """allauth's LINE provider, with LINE's endpoints from the settings (see the package)."""

    package = "incubator.linelogin"
    name = "LINE"
    oauth2_adapter_class = LineOAuth2Adapter


provider_classes = [LineProvider]
