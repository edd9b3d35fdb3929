"""URL credentials as users write them (#19 item 9): unencoded ``/``, ``?``, ``#``, ``@``
in keys (base64 keys hold ``/``), odd ports. Every option taking a URL either accepts the
spec with the key extracted whole and masked, or refuses it with a usage error that shows
the key masked; never an INTERNALERROR, never the key (or its start) in clear.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_multitrust.models.openai_backend import parse_target
from pytest_multitrust.models.redact import redact_spec, redact_url, split_credentials
from pytest_multitrust.models.registry import parse_model_spec

KEY = "Zm9vL2Jhcg/+Q?x#y@z=="  # base64 with every character that ends a URL's host


@pytest.mark.parametrize("option", ["--mllm", "--mt-judge", "--mt-surrogate"])
@pytest.mark.parametrize("user", ["", "me"])
def test_a_key_with_url_delimiters_is_taken_whole_and_masked(option: str, user: str) -> None:
    spec = parse_model_spec(
        f"openai:https://{user}:{KEY}@api.example.com:8443/v1#org/m", option=option
    )
    shown_user = f"{user}:" if user else ""
    assert spec.display == f"openai:https://{shown_user}***@api.example.com:8443/v1#org/m"
    endpoint = parse_target(spec.target, option=option)
    assert endpoint.api_key == KEY
    assert endpoint.base_url == "https://api.example.com:8443/v1"
    assert endpoint.model == "org/m"
    assert KEY[:4] not in endpoint.display + repr(endpoint)


def test_a_percent_encoded_key_is_decoded() -> None:
    endpoint = parse_target("https://:Zm9v%2FYmFy%3D@h/v1#m")
    assert endpoint.api_key == "Zm9v/YmFy="


def test_an_at_sign_in_the_model_name_is_not_a_credential() -> None:
    endpoint = parse_target("https://h:8000/v1#org/model@rev")
    assert (endpoint.base_url, endpoint.model, endpoint.api_key) == (
        "https://h:8000/v1",
        "org/model@rev",
        None,
    )
    assert redact_spec("openai:https://h/v1#org/m@rev") == "openai:https://h/v1#org/m@rev"


@pytest.mark.parametrize("port", ["notaport", "99999", "65536", "-1", "0", "8o8o", "1.5"])
@pytest.mark.parametrize("option", ["--mllm", "--mt-judge"])
def test_a_bad_port_is_a_usage_error_with_the_key_masked(option: str, port: str) -> None:
    with pytest.raises(pytest.UsageError) as raised:
        parse_model_spec(f"openai:http://u:{KEY}@127.0.0.1:{port}/v1#m", option=option)
    message = str(raised.value)
    assert message.startswith(f"{option}='openai:http://u:***@127.0.0.1:{port}/v1#m'")
    assert "not a number from 1 to 65535" in message
    assert KEY[:4] not in message


@pytest.mark.parametrize(
    "raw",
    [
        f"openai:http://u:{KEY}@host/v1",  # no model
        f"openai:http://u:{KEY}@/v1#m",  # no host
        f"openai:ftp://u:{KEY}@host/v1#m",
        f"openai:http://u:{KEY}@ho st/v1#m",
        f"openai:http://:{KEY}@[::1/v1#m",
    ],
)
def test_malformed_specs_with_keys_are_usage_errors_with_the_key_masked(raw: str) -> None:
    with pytest.raises(pytest.UsageError) as raised:
        parse_model_spec(raw, option="--mt-judge")
    assert KEY[:4] not in str(raised.value)
    assert "***" in str(raised.value)


def test_vllm_is_no_model_kind_and_names_the_alternative() -> None:
    with pytest.raises(pytest.UsageError) as raised:
        parse_model_spec("vllm:llava-hf/llava-1.5-7b-hf")
    assert str(raised.value) == (
        "--mllm='vllm:llava-hf/llava-1.5-7b-hf': there is no vllm: model kind; serve the "
        "model with vLLM's OpenAI-compatible server (vllm serve <repo>) and pass "
        "--mllm=openai:http://127.0.0.1:8000/v1#<repo>"
    )
    with pytest.raises(pytest.UsageError) as unknown:
        parse_model_spec("no-such-model")
    assert "vllm" not in str(unknown.value)  # no longer advertised


KEYS = st.text(
    alphabet=st.sampled_from([*"abcXYZ019+=-_.~", "/", "?", "#", "@", ":", "%", "!"]),
    min_size=6,
    max_size=24,
).filter(lambda k: len(set(k)) > 3)
HOSTS = st.sampled_from(["127.0.0.1", "api.example.com", "[::1]", "h"])
PORTS = st.sampled_from(["", ":8000", ":99999", ":x", ":"])


@settings(max_examples=400, deadline=None)
@given(KEYS, HOSTS, PORTS, st.sampled_from(["", "me"]))
@example("abc/def?gh#ij@kl", "h", "", "")
def test_any_key_is_extracted_or_refused_never_shown(
    key: str, host: str, port: str, user: str
) -> None:
    userinfo = f"{user}:{key}"
    raw = f"openai:http://{userinfo}@{host}{port}/v1#org/model"
    for shown in (redact_spec(raw), redact_url(raw[len("openai:") :])):
        assert key not in shown
    try:
        spec = parse_model_spec(raw, option="--mt-judge")
    except pytest.UsageError as error:
        refused = str(error)
    else:
        refused = ""
    if refused:
        assert key not in refused
        return
    assert key not in spec.display
    endpoint = parse_target(spec.target)
    if "%" not in key:
        assert endpoint.api_key == key
    assert split_credentials(spec.target, model=True)[1] == userinfo
