"""Keep secrets out of every message: credentials in URLs and API keys.

A model spec such as ``openai:https://user:sk-123@host/v1#model`` carries a secret in its
URL; the API key of a remote server comes from the environment. Every text the plugin
shows (terminal summary, error messages, records, reports) goes through
:func:`redact_url` or :func:`scrub` first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MASK", "redact_spec", "redact_url", "scrub", "split_credentials"]

#: What a secret is replaced with.
MASK = "***"

# Query parameters whose values are secrets (Azure's api-key, signed URLs, tokens).
_SECRET_QUERY = re.compile(r"key|token|secret|sig|pass|auth|credential", re.IGNORECASE)
# Credentials inside any URL found in free text: scheme://user:password@host. Linear time
# on any text: a match may only start where a run of scheme characters starts (the
# lookbehind) and every run is read once (possessive), so a long run without "://" is
# passed over in one step instead of once per position (which was quadratic). The
# scheme proper starts at the run's first letter, found in _mask_userinfo.
_SCHEME_CHARS = r"A-Za-z0-9+.\-"
_URL_USERINFO = re.compile(
    rf"(?<![{_SCHEME_CHARS}])(?P<run>[{_SCHEME_CHARS}]++)://(?P<userinfo>[^/@\s]++)@"
)
_LETTER = re.compile(r"[A-Za-z]")


def _mask_userinfo(match: re.Match[str]) -> str:
    """``scheme://user:***@`` (or ``scheme://***@`` for a lone token); masked text stays."""
    run = match["run"]
    letter = _LETTER.search(run)
    if letter is None:  # no scheme starts in the run ("123://"): not a URL, left alone
        return match[0]
    return f"{run}://{_masked_userinfo(match['userinfo'])}@"


def _masked_userinfo(userinfo: str) -> str:
    user, sep, _password = userinfo.partition(":")
    # "user:password" keeps the user; a lone "token" is a secret by itself
    return f"{user}:{MASK}" if sep and user else MASK


# A host and optional port right after a URL's "@" (the port is checked by the caller).
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]*\]|[^\s/?#@\[\]:]+)(?::[^\s/?#@]*)?")


def split_credentials(url: str, *, model: bool = False) -> tuple[str, str | None]:
    """``url`` without its userinfo, and the userinfo (None when there is none).

    Keys are often written unencoded, and base64 keys hold ``/`` (others ``?``, ``#``,
    ``@``), which ``urllib`` takes for the end of the host: the password then became a
    path and was shown in clear. Here the userinfo runs from ``://`` to the last ``@``
    that a host (and, for ``model=True``, a ``#<model>`` further on) follows.

    Args:
        url: ``scheme://[userinfo@]host...``; with ``model=True``, an ``openai:`` target
            ``<url>#<model>`` (then an ``@`` inside the model name is not taken).
        model: whether ``url`` must end in ``#<model>``.

    Example:
        >>> split_credentials("https://u:ab/c+d==@host:8000/v1#m", model=True)
        ('https://host:8000/v1#m', 'u:ab/c+d==')
        >>> split_credentials("https://host/v1#org/model@rev", model=True)
        ('https://host/v1#org/model@rev', None)
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url, None
    # the last "#" followed by a non-blank model name: a model must start after the host
    last_hash = rest.rfind("#", 0, len(rest.rstrip()) - 1)
    at = len(rest)
    while (at := rest.rfind("@", 0, at)) >= 0:
        host = _HOST_PORT.match(rest, at + 1)
        if host is None or host.end() == at + 1:
            continue
        end = host.end()
        if end < len(rest) and rest[end] not in "/?#":
            continue
        if model and last_hash < end:
            continue
        return f"{scheme}://{rest[at + 1 :]}", rest[:at]
    return url, None


def _plain_url(url: str) -> bool:
    """Whether ``url`` reads as ``scheme://host[:port][/path]`` with nothing left over."""
    try:
        parts = urlsplit(url)
        return bool(parts.hostname) and "@" not in parts.netloc and parts.port != 0
    except ValueError:  # a port that is no number, "http://["
        return False


def _credentials_or_worse(url: str) -> tuple[str, str | None]:
    """:func:`split_credentials`, else everything up to the last ``@`` counts as secret.

    For display only: a malformed URL with an ``@`` may hide a key anywhere before it.
    """
    bare, userinfo = split_credentials(url)
    if userinfo is not None:
        return bare, userinfo
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0:
        return url, None
    return f"{scheme}://{rest[at + 1 :]}", rest[:at]


def _with_userinfo(url: str, userinfo: str | None) -> str:
    if userinfo is None:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{_masked_userinfo(userinfo)}@{rest}"


def redact_url(url: str) -> str:
    """The URL with its password (or lone user token) and secret query values masked.

    Example:
        >>> redact_url("https://me:sk-123@api.example.com/v1?api-key=abc&x=1")
        'https://me:***@api.example.com/v1?api-key=***&x=1'
        >>> redact_url("http://127.0.0.1:8000/v1")
        'http://127.0.0.1:8000/v1'
        >>> redact_url("https://:Zm9v/YmFy+=@host/v1")  # an unencoded "/" in the key
        'https://***@host/v1'
    """
    bare, userinfo = split_credentials(url)
    if userinfo is None and not _plain_url(url):
        bare, userinfo = _credentials_or_worse(url)
    if userinfo is not None:
        return _with_userinfo(redact_url(bare), userinfo)
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL_USERINFO.sub(_mask_userinfo, url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{_masked_userinfo(userinfo)}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_QUERY.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_spec(raw: str) -> str:
    """A model spec for display: the URL of an ``openai:`` spec redacted, others as given.

    Example:
        >>> redact_spec("openai:https://:sk-1@host/v1#llava")
        'openai:https://***@host/v1#llava'
        >>> redact_spec("tiny-llava")
        'tiny-llava'
    """
    scheme, sep, target = raw.strip().partition(":")
    if sep and scheme == "openai":
        bare, userinfo = split_credentials(target, model=True)
        if userinfo is None and not _plain_url(target.partition("#")[0]):
            # not "<url>#<model>" as it stands (no model, or a "#" of the key taken for
            # the model's start): mask whatever a URL's credentials may be
            bare, userinfo = _credentials_or_worse(target)
        url, hash_sep, model = bare.partition("#")
        return f"openai:{_with_userinfo(redact_url(url), userinfo)}{hash_sep}{model}"
    bare, userinfo = _credentials_or_worse(raw)
    return _URL_USERINFO.sub(_mask_userinfo, _with_userinfo(bare, userinfo))


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every given secret and any URL credentials in free text.

    Secrets shorter than 4 characters are not masked (they would mask ordinary words).

    Example:
        >>> scrub("401: bad key sk-abcdef for http://u:pw@h/v1", ["sk-abcdef"])
        '401: bad key *** for http://u:***@h/v1'
        >>> scrub("http://u:***@h/v1 and https://tok@h")  # masked text stays as it is
        'http://u:***@h/v1 and https://***@h'
    """
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _URL_USERINFO.sub(_mask_userinfo, text)
