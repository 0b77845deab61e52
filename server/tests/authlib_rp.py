"""A relying party written with Authlib (not by us) logs a citizen in through the provider.

Usage: authlib_rp.py ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI RUT CS [AUTH_METHOD]
AUTH_METHOD: the client authentication at the token endpoint (client_secret_post, ...); without it, Authlib's
default. The scopes are those libraries ask by default plus ours: `profile` must be ignored, not refused.
Prints one line per check; exits non-zero at the first failure. The browser's part (the login page) is
played with `requests`: the page's own call, `POST /api/authorize/<id>`.
"""

import sys
from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError
from authlib.oidc.core import CodeIDToken

issuer, client_id, client_secret, redirect_uri, rut, cs = sys.argv[1:7]
auth_method = sys.argv[7] if len(sys.argv) > 7 else None

meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
assert meta["issuer"] == issuer, meta["issuer"]
assert "S256" in meta["code_challenge_methods_supported"]
print("discovery ok")

options = {"token_endpoint_auth_method": auth_method} if auth_method else {}
rp = OAuth2Session(
    client_id,
    client_secret,
    scope="openid profile email rut",
    redirect_uri=redirect_uri,
    code_challenge_method="S256",
    **options,
)
verifier = generate_token(48)
nonce = generate_token(20)
url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier)

browser = requests.Session()
page = browser.get(url, allow_redirects=False, timeout=10)
assert page.status_code in (302, 303, 307), page.status_code
request_id = page.headers["location"].removeprefix("/ingresar/")
answer = browser.post(f"{issuer}/api/authorize/{request_id}", json={"rut": rut, "cs": cs}, timeout=10)
assert answer.status_code == 200, answer.text
back = answer.json()["redirect"]
query = parse_qs(urlparse(back).query)
assert query["state"] == [state]
assert query["iss"] == [issuer]
print("login page ok")

token = rp.fetch_token(meta["token_endpoint"], authorization_response=back, code_verifier=verifier)
print("token ok (PKCE verifier accepted)")

jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
claims = jwt.decode(
    token["id_token"],
    jwks,
    claims_cls=CodeIDToken,
    claims_options={"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
    claims_params={"nonce": nonce, "client_id": client_id},
)
claims.validate()
assert claims["nonce"] == nonce
print("id token ok (ES256 signature, iss, aud, nonce, exp)")

head, body, signature = token["id_token"].split(".")
tampered = ".".join([head, body[:-2] + ("AA" if body[-2:] != "AA" else "BB"), signature])
try:
    jwt.decode(tampered, jwks).validate()
    sys.exit("a tampered ID token was accepted")
except JoseError:
    print("tampered id token rejected")

info = rp.get(meta["userinfo_endpoint"], timeout=10).json()
assert info["sub"] == claims["sub"], info
assert info["rut"]["numero"] * 1 > 0 and "dv" in info["rut"], info
assert "email" in info, info
assert "name" not in info and "given_name" not in info, info
print("userinfo ok")
