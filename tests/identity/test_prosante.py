"""Pro Santé Connect client: signed in through a real OpenID provider run by the tests
(oidc-provider, shaped like PSC), with every check refused at least once; ID token
verification against locally signed tokens; the sealed pending sign-in; settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import ValidationError

from rempart.identity.prosante import (
    PENDING_LIFETIME,
    PendingAuthorization,
    ProfessionalSignIn,
    ProSanteConnect,
    ProSanteConnectConfig,
    ProSanteConnectRefused,
    open_pending,
    seal_pending,
)
from rempart.kernel.errors import InfrastructureError, Unauthenticated
from rempart.settings import Environment, Settings

from .oidc_fixture import RPPS_CARD, RPPS_USERINFO, OidcProvider, synthetic_rpps

# --- Through the real provider -------------------------------------------------------------


def _now() -> datetime:
    # The provider stamps tokens with the real clock, so these tests use it too.
    return datetime.now(UTC)


@pytest.fixture
def psc(oidc_provider: OidcProvider) -> Iterator[ProSanteConnect]:
    client = ProSanteConnect(oidc_provider.config())
    port: ProfessionalSignIn = client  # the adapter satisfies the port the web layer uses
    assert port is client
    yield client
    client.close()


def test_a_professional_signs_in_and_is_named_by_rpps(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url, login="pro-card")

    identity = psc.finish(pending=started.pending, params=params, now=_now())

    assert identity.rpps == RPPS_CARD
    assert identity.subject == "pro-card"
    assert identity.acr == "eidas1"
    assert identity.auth_time.tzinfo is not None
    assert abs(_now() - identity.auth_time) < timedelta(seconds=30)
    assert RPPS_CARD not in repr(identity)


def test_the_rpps_comes_from_userinfo_when_the_id_token_lacks_it(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url, login="pro-userinfo")

    identity = psc.finish(pending=started.pending, params=params, now=_now())

    assert identity.rpps == RPPS_USERINFO
    assert identity.subject == "pro-userinfo"


def test_the_authorization_request_carries_pkce_nonce_acr_and_max_age(
    psc: ProSanteConnect,
) -> None:
    started = psc.start(now=_now())
    query = dict(httpx.URL(started.url).params)
    pending = started.pending

    assert query["response_type"] == "code"
    assert query["client_id"] == "rempart"
    assert query["scope"] == "openid scope_all"
    assert (query["state"], query["nonce"]) == (pending.state, pending.nonce)
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(pending.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert (query["acr_values"], query["max_age"]) == ("eidas1", "600")
    for value in (pending.state, pending.nonce, pending.code_verifier):
        assert len(value) >= 43  # at least 256 bits of base64url
    assert psc.start(now=_now()).pending.state != pending.state


def test_a_callback_with_another_state_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url)

    with pytest.raises(ProSanteConnectRefused, match="state"):
        psc.finish(pending=psc.start(now=_now()).pending, params=params, now=_now())
    with pytest.raises(ProSanteConnectRefused, match="state"):
        psc.finish(pending=started.pending, params={**params, "state": "x"}, now=_now())


def test_an_id_token_for_another_nonce_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url)
    forged = replace(started.pending, nonce=secrets.token_urlsafe(32))

    with pytest.raises(ProSanteConnectRefused, match="nonce"):
        psc.finish(pending=forged, params=params, now=_now())


def test_an_error_from_the_provider_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url, cancel=True)
    assert params["error"] == "access_denied"

    with pytest.raises(ProSanteConnectRefused, match="error"):
        psc.finish(pending=started.pending, params=params, now=_now())


def test_a_callback_naming_another_issuer_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url)

    with pytest.raises(ProSanteConnectRefused, match="issuer"):
        psc.finish(
            pending=started.pending,
            params={**params, "iss": "https://attacker.test"},
            now=_now(),
        )
    params.pop("iss")  # the provider advertises the parameter, so it must be there
    with pytest.raises(ProSanteConnectRefused, match="iss"):
        psc.finish(pending=started.pending, params=params, now=_now())


def test_an_id_token_issued_to_another_client_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    other_config = oidc_provider.config("other-service")
    other = ProSanteConnect(other_config)
    started = other.start(now=_now())
    params = oidc_provider.sign_in(started.url)
    tokens = httpx.post(
        f"{oidc_provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": other_config.redirect_uri,
            "code_verifier": started.pending.code_verifier,
        },
        auth=(other_config.client_id, other_config.client_secret),
    ).json()
    id_token = tokens["id_token"]
    assert jwt.get_unverified_header(id_token)["alg"] == "ES256"

    # Good for the client it was issued to, worthless to Rempart.
    assert other.verify_id_token(id_token, nonce=started.pending.nonce, now=_now())
    with pytest.raises(ProSanteConnectRefused, match="audience"):
        psc.verify_id_token(id_token, nonce=started.pending.nonce, now=_now())


def test_a_lower_authentication_level_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url, acr="eidas0")

    with pytest.raises(ProSanteConnectRefused, match="acr"):
        psc.finish(pending=started.pending, params=params, now=_now())


def test_an_authentication_older_than_max_age_is_refused(oidc_provider: OidcProvider) -> None:
    psc = ProSanteConnect(oidc_provider.config(max_age=60, leeway=0))
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url)

    later = _now() + timedelta(seconds=120)
    with pytest.raises(ProSanteConnectRefused, match="max_age"):
        psc.finish(pending=started.pending, params=params, now=later)


def test_a_code_used_twice_is_refused(oidc_provider: OidcProvider, psc: ProSanteConnect) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url)
    psc.finish(pending=started.pending, params=params, now=_now())

    with pytest.raises(ProSanteConnectRefused, match="authorization code"):
        psc.finish(pending=started.pending, params=params, now=_now())


def test_a_national_identifier_that_is_not_an_rpps_is_refused(
    oidc_provider: OidcProvider, psc: ProSanteConnect
) -> None:
    started = psc.start(now=_now())
    params = oidc_provider.sign_in(started.url, login="pro-adeli")

    with pytest.raises(ProSanteConnectRefused, match="SubjectNameID"):
        psc.finish(pending=started.pending, params=params, now=_now())


def test_a_provider_whose_discovery_names_another_issuer_is_an_infrastructure_fault(
    oidc_provider: OidcProvider,
) -> None:
    psc = ProSanteConnect(oidc_provider.config(issuer=oidc_provider.issuer + "/"))
    with pytest.raises(InfrastructureError, match="another issuer"):
        psc.start(now=_now())


# --- The pending sign-in, sealed for the browser ------------------------------------------

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
KEY = bytes(range(32))
PENDING = PendingAuthorization(
    state="state-" + "s" * 40, nonce="nonce-" + "n" * 40, code_verifier="v" * 64, started_at=NOW
)


def test_a_sealed_pending_sign_in_opens_with_its_key() -> None:
    value = seal_pending(PENDING, key=KEY)

    assert open_pending(value, key=KEY, now=NOW + timedelta(minutes=9)) == PENDING
    assert PENDING.state not in value
    assert all(c.isalnum() or c in "-_" for c in value)
    assert seal_pending(PENDING, key=KEY) != value  # a fresh nonce each time


def test_a_tampered_pending_sign_in_is_refused() -> None:
    value = seal_pending(PENDING, key=KEY)
    middle = len(value) // 2
    flipped = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]

    for bad in (flipped, value[:-2], value + "AA", "", "!!!!", "a" * 5000):
        with pytest.raises(ProSanteConnectRefused):
            open_pending(bad, key=KEY, now=NOW)


def test_a_pending_sign_in_sealed_with_another_key_is_refused() -> None:
    value = seal_pending(PENDING, key=secrets.token_bytes(32))

    with pytest.raises(ProSanteConnectRefused, match="altered or not ours"):
        open_pending(value, key=KEY, now=NOW)


def test_a_stale_or_future_pending_sign_in_is_refused() -> None:
    value = seal_pending(PENDING, key=KEY)

    with pytest.raises(ProSanteConnectRefused, match="expired"):
        open_pending(value, key=KEY, now=NOW + PENDING_LIFETIME + timedelta(seconds=1))
    with pytest.raises(ProSanteConnectRefused, match="expired"):
        open_pending(value, key=KEY, now=NOW - timedelta(minutes=5))


def test_the_pending_key_must_be_256_bits() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal_pending(PENDING, key=b"short")


# --- ID token verification, with locally signed tokens ------------------------------------

ISSUER = "https://psc.test"
CLIENT_ID = "rempart"
NONCE = "nonce-" + "n" * 40
RPPS = synthetic_rpps(7)
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
DROP = object()


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = ECAlgorithm if alg.startswith("ES") else RSAAlgorithm
    document = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {**document, "kid": kid, "alg": alg, "use": "sig"}


class FakeProvider:
    """Discovery, JWKS, token and UserInfo endpoints over httpx.MockTransport."""

    def __init__(self) -> None:
        self.keys = [_jwk(RSA_KEY, "rsa-1", "RS256"), _jwk(EC_KEY, "ec-1", "ES256")]
        self.jwks_fetches = 0
        self.id_token = ""
        self.userinfo: dict[str, Any] = {"sub": "subject-1", "SubjectNameID": "8" + RPPS}
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                    "jwks_uri": f"{ISSUER}/jwks",
                },
            )
        if path == "/jwks":
            self.jwks_fetches += 1
            return httpx.Response(200, json={"keys": self.keys})
        if path == "/token":
            body = {"id_token": self.id_token, "access_token": "at", "token_type": "Bearer"}
            return httpx.Response(200, json=body)
        if path == "/userinfo":
            return httpx.Response(200, json=self.userinfo)
        return httpx.Response(404)

    def client(self, **overrides: Any) -> ProSanteConnect:
        values: dict[str, Any] = {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "client_secret": "unit-secret-do-not-leak",
            "redirect_uri": "https://rempart.test/auth/psc/callback",
        }
        values.update(overrides)
        http = httpx.Client(transport=httpx.MockTransport(self.handle))
        return ProSanteConnect(ProSanteConnectConfig(**values), http=http)


def _claims(**changes: object) -> dict[str, object]:
    instant = int(NOW.timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "subject-1",
        "exp": instant + 300,
        "iat": instant - 5,
        "auth_time": instant - 30,
        "nonce": NONCE,
        "acr": "eidas1",
        "SubjectNameID": "8" + RPPS,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not DROP}


def _sign(
    claims: dict[str, object], *, key: Any = RSA_KEY, alg: str = "RS256", kid: str = "rsa-1"
) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(
    header: dict[str, object], claims: dict[str, object], sign: Callable[[bytes], bytes]
) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


def _verify(fake: FakeProvider, token: str, **config: Any) -> object:
    return fake.client(**config).verify_id_token(token, nonce=NONCE, now=NOW)


def test_a_well_signed_id_token_is_accepted_with_rs256_and_es256(fake: FakeProvider) -> None:
    claims = _verify(fake, _sign(_claims()))
    assert claims
    assert _verify(fake, _sign(_claims(), key=EC_KEY, alg="ES256", kid="ec-1"))
    pss = _sign(_claims(), alg="PS256", kid="rsa-ps")
    fake.keys.append({**_jwk(RSA_KEY, "rsa-ps", "PS256")})
    assert _verify(fake, pss)


def test_a_bad_signature_is_refused(fake: FakeProvider) -> None:
    with pytest.raises(ProSanteConnectRefused, match="signature"):
        _verify(fake, _sign(_claims(), key=OTHER_RSA_KEY))


def test_alg_none_is_refused(fake: FakeProvider) -> None:
    token = _hand_made({"alg": "none", "kid": "rsa-1"}, _claims(), lambda _: b"")
    with pytest.raises(ProSanteConnectRefused, match="algorithm"):
        _verify(fake, token)


def test_hs256_keyed_with_the_public_key_is_refused(fake: FakeProvider) -> None:
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = _hand_made(
        {"alg": "HS256", "kid": "rsa-1"},
        _claims(),
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )
    with pytest.raises(ProSanteConnectRefused, match="algorithm"):
        _verify(fake, token)


def test_a_key_of_the_wrong_type_for_the_algorithm_is_refused(fake: FakeProvider) -> None:
    token = _sign(_claims(), key=EC_KEY, alg="ES256", kid="rsa-1")
    with pytest.raises(ProSanteConnectRefused, match="key"):
        _verify(fake, token)


def test_an_unknown_kid_is_refetched_once_then_refused(fake: FakeProvider) -> None:
    psc = fake.client()
    psc.verify_id_token(_sign(_claims()), nonce=NONCE, now=NOW)
    assert fake.jwks_fetches == 1

    with pytest.raises(ProSanteConnectRefused, match="key set"):
        psc.verify_id_token(_sign(_claims(), kid="rotated"), nonce=NONCE, now=NOW)
    assert fake.jwks_fetches == 2

    # A key the provider has since published is found by that one refetch.
    fake.keys.append(_jwk(OTHER_RSA_KEY, "rotated", "RS256"))
    token = _sign(_claims(), key=OTHER_RSA_KEY, kid="rotated")
    assert psc.verify_id_token(token, nonce=NONCE, now=NOW)
    assert fake.jwks_fetches == 3


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"iss": "https://psc.test/other"}, "issuer"),
        ({"aud": "other-service"}, "audience"),
        ({"aud": [CLIENT_ID, "other-service"]}, "azp"),
        ({"azp": "other-service"}, "azp"),
        ({"exp": int(NOW.timestamp()) - 120}, "expired"),
        ({"iat": int(NOW.timestamp()) + 600}, "future"),
        ({"nonce": "other"}, "nonce"),
        ({"nonce": DROP}, "nonce"),
        ({"acr": "eidas0"}, "acr"),
        ({"acr": DROP}, "acr"),
        ({"auth_time": DROP}, "auth_time"),
        ({"auth_time": int(NOW.timestamp()) - 3600}, "max_age"),
        ({"sub": DROP}, "sub"),
    ],
)
def test_a_claim_out_of_line_is_refused(
    fake: FakeProvider, changes: dict[str, object], check: str
) -> None:
    with pytest.raises(ProSanteConnectRefused, match=check):
        _verify(fake, _sign(_claims(**changes)))


def test_several_audiences_are_accepted_with_azp(fake: FakeProvider) -> None:
    assert _verify(fake, _sign(_claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)))


def _finish(fake: FakeProvider) -> Any:
    pending = PendingAuthorization(
        state="s" * 43, nonce=NONCE, code_verifier="v" * 64, started_at=NOW
    )
    return fake.client().finish(pending=pending, params={"state": "s" * 43, "code": "c"}, now=NOW)


def test_the_rpps_is_read_from_userinfo_only_for_the_same_subject(fake: FakeProvider) -> None:
    fake.id_token = _sign(_claims(SubjectNameID=DROP))
    assert _finish(fake).rpps == RPPS
    userinfo = fake.requests[-1]
    assert userinfo.headers["authorization"] == "Bearer at"

    fake.userinfo["sub"] = "someone-else"
    with pytest.raises(ProSanteConnectRefused, match="another subject"):
        _finish(fake)


def test_a_missing_subject_name_id_is_refused(fake: FakeProvider) -> None:
    fake.id_token = _sign(_claims(SubjectNameID=DROP))
    del fake.userinfo["SubjectNameID"]
    with pytest.raises(ProSanteConnectRefused, match="SubjectNameID"):
        _finish(fake)


@pytest.mark.parametrize(
    "value",
    [
        "8" + RPPS[:-1] + str((int(RPPS[-1]) + 1) % 10),  # Luhn digit off
        RPPS,  # no "8" prefix
        "8" + RPPS + "0",
        "8 " + RPPS[:10],
        "8" + RPPS[:-1] + "\u0663",  # an Arabic-Indic digit
        12345678901,
    ],
)
def test_a_malformed_rpps_is_refused(fake: FakeProvider, value: object) -> None:
    fake.id_token = _sign(_claims(SubjectNameID=value))
    with pytest.raises(ProSanteConnectRefused, match="SubjectNameID"):
        _finish(fake)


def test_the_token_request_authenticates_with_client_secret_basic_and_pkce(
    fake: FakeProvider,
) -> None:
    fake.id_token = _sign(_claims())
    _finish(fake)
    token_request = next(r for r in fake.requests if r.url.path == "/token")
    form = dict(httpx.QueryParams(token_request.content.decode()))
    assert form == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "https://rempart.test/auth/psc/callback",
        "code_verifier": "v" * 64,
    }
    basic = base64.b64decode(token_request.headers["authorization"].removeprefix("Basic "))
    assert basic == b"rempart:unit-secret-do-not-leak"


def test_an_unreachable_provider_is_an_infrastructure_fault_without_secrets() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    config = ProSanteConnectConfig(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        client_secret="unit-secret-do-not-leak",
        redirect_uri="https://rempart.test/cb",
    )
    psc = ProSanteConnect(config, http=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(InfrastructureError) as raised:
        psc.start(now=NOW)
    assert "unit-secret" not in str(raised.value)
    assert "unit-secret" not in repr(config)
    assert issubclass(ProSanteConnectRefused, Unauthenticated)


# --- Settings ------------------------------------------------------------------------------

PSC_SETTINGS = {
    "psc_issuer": "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
    "psc_client_id": "rempart",
    "psc_client_secret": "a-long-client-secret-from-the-vault",
    "psc_redirect_uri": "https://rempart.example/auth/psc/callback",
}


def test_settings_build_the_client_configuration(tmp_path: Path) -> None:
    settings = Settings(env=Environment.PRODUCTION, home=tmp_path, **PSC_SETTINGS)  # type: ignore[arg-type]
    config = settings.pro_sante_connect()

    assert config is not None
    assert config.issuer == PSC_SETTINGS["psc_issuer"]
    assert config.client_secret == PSC_SETTINGS["psc_client_secret"]
    assert (config.acr_values, config.max_age) == ("eidas1", 600)
    assert Settings(env=Environment.PRODUCTION, home=tmp_path).pro_sante_connect() is None


@pytest.mark.parametrize(
    "changes",
    [
        {"psc_issuer": "http://psc.example"},
        {"psc_redirect_uri": "http://rempart.example/cb"},
        {"psc_client_secret": None},
    ],
)
def test_settings_refuse_an_unsafe_or_partial_configuration(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    values = {**PSC_SETTINGS, **changes}
    values = {name: value for name, value in values.items() if value is not None}
    with pytest.raises(ValidationError):
        Settings(env=Environment.PRODUCTION, home=tmp_path, **values)  # type: ignore[arg-type]
