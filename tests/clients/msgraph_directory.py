"""Microsoft's Graph SDK for Python (msgraph-sdk, kiota) against Tessera's
Graph-shaped directory API under {TESSERA_URL}/v1.0, with azure-identity's
ClientSecretCredential getting the token from Tessera's token endpoint.

Only what a Graph app would change to point at Tessera changes: the
credential's authority, the auth provider's allowed hosts (kiota attaches the
bearer token only to allowed hosts, matched on the hostname without the port),
the adapter's base URL, and an httpx client that trusts the dev CA.

Users, groups (members, $ref, nesting, transitiveMemberOf, loops refused),
$filter, paging over the 1000 pre-seeded users with PageIterator, $count with
ConsistencyLevel: eventual, applications' addPassword/removePassword, delete,
and Graph's error shape through ODataError. Exits non-zero on any failure.

Inputs come from the environment (set by the Rust test): TESSERA_URL,
TESSERA_TENANT, TESSERA_CLIENT_ID, TESSERA_CLIENT_SECRET, TESSERA_DOMAIN,
TESSERA_BULK_PREFIX (exactly 1000 users have a UPN starting with it).
"""
import asyncio
import os
import secrets
import ssl
import sys
from urllib.parse import urlparse

import httpx
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.headers_collection import HeadersCollection
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import DEFAULT_CONNECTION_TIMEOUT, DEFAULT_REQUEST_TIMEOUT
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph import graph_request_adapter as msgraph_adapter_module
from msgraph.generated.applications.item.add_password.add_password_post_request_body import (
    AddPasswordPostRequestBody,
)
from msgraph.generated.applications.item.remove_password.remove_password_post_request_body import (
    RemovePasswordPostRequestBody,
)
from msgraph.generated.models.application import Application
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_credential import PasswordCredential
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.models.user_collection_response import UserCollectionResponse
from msgraph.generated.models.web_application import WebApplication
from msgraph.generated.users.count.count_request_builder import CountRequestBuilder
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.tasks.page_iterator import PageIterator

base = os.environ["TESSERA_URL"].rstrip("/")
tenant = os.environ["TESSERA_TENANT"]
client_id = os.environ["TESSERA_CLIENT_ID"]
client_secret = os.environ["TESSERA_CLIENT_SECRET"]
domain = os.environ["TESSERA_DOMAIN"]
bulk_prefix = os.environ["TESSERA_BULK_PREFIX"]
BULK_COUNT = 1000
PAGE = 100
GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
graph_base = f"{base}/v1.0"


def build_client() -> GraphServiceClient:
    # azure-identity: authority is the Entra "host" (https URL or bare host:port),
    # the tenant GUID is appended by the credential. Instance discovery would ask
    # Microsoft's cloud whether the host is a known authority, so it is off.
    # The token request goes through azure-core + requests, which honors
    # REQUESTS_CA_BUNDLE.
    credential = ClientSecretCredential(
        tenant_id=tenant,
        client_id=client_id,
        client_secret=client_secret,
        authority=base,
        disable_instance_discovery=True,
    )
    # kiota's AllowedHostsValidator compares urlparse(url).hostname (lowercased,
    # port stripped) with the list, and refuses entries with a scheme: so the
    # bare hostname, never "host:port". A host that does not match gets no
    # Authorization header at all (silently).
    host = urlparse(base).hostname
    auth_provider = AzureIdentityAuthenticationProvider(
        credential, scopes=GRAPH_SCOPES, allowed_hosts=[host]
    )
    # httpx 0.28 honors SSL_CERT_FILE itself (trust_env), but say it outright.
    cafile = os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE")
    verify = ssl.create_default_context(cafile=cafile) if cafile else True
    # The same client the SDK builds by default (kiota's timeouts, HTTP/2, the
    # Graph middleware: retry, redirect, $-name decoding, telemetry), plus the CA.
    http_client = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(
            timeout=httpx.Timeout(DEFAULT_REQUEST_TIMEOUT, connect=DEFAULT_CONNECTION_TIMEOUT),
            http2=True,
            verify=verify,
        ),
        options=msgraph_adapter_module.options,
    )
    adapter = GraphRequestAdapter(auth_provider, client=http_client)
    # Set before GraphServiceClient is built, which otherwise defaults it to
    # https://graph.microsoft.com/v1.0. The adapter fills {+baseurl} from it on
    # every send (set_base_url_for_request_information).
    adapter.base_url = graph_base
    client = GraphServiceClient(request_adapter=adapter)
    probe = client.users.to_get_request_information()
    adapter.set_base_url_for_request_information(probe)
    assert probe.url == f"{graph_base}/users", f"requests would go to {probe.url}"
    return client


async def expect_odata_error(awaitable, status: int, code: str | None, what: str) -> ODataError:
    try:
        result = await awaitable
    except ODataError as e:
        got_code = e.error.code if e.error else None
        assert e.response_status_code == status, (
            f"{what}: expected HTTP {status}, got {e.response_status_code} ({got_code}: "
            f"{e.error.message if e.error else None})"
        )
        assert e.error is not None, f"{what}: error body lacks 'error'"
        if code is not None:
            assert got_code == code, f"{what}: expected error.code {code!r}, got {got_code!r} ({e.error.message})"
        assert e.error.message, f"{what}: error.message is empty"
        return e
    raise AssertionError(f"{what}: expected ODataError {status} {code}, got success: {result!r}")


def ids_of(collection) -> list:
    assert collection is not None and collection.value is not None, f"no collection: {collection!r}"
    return [o.id for o in collection.value]


async def main() -> None:
    graph = build_client()
    tag = secrets.token_hex(4)

    # --- Users: create, get with $select, patch, get again.
    upn = f"sdk-{tag}@{domain}"
    new_user = User(
        account_enabled=True,
        display_name=f"SDK user {tag}",
        mail_nickname=f"sdk-{tag}",
        user_principal_name=upn,
        password_profile=PasswordProfile(
            password=f"Xk9!{secrets.token_urlsafe(18)}",
            force_change_password_next_sign_in=False,
        ),
    )
    created = await graph.users.post(new_user)
    assert created is not None and created.id, f"create user returned no id: {created!r}"
    assert (created.user_principal_name or "").lower() == upn.lower(), created.user_principal_name
    uid = created.id
    print("created user", uid, upn)

    select_cfg = RequestConfiguration(
        query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["displayName", "userPrincipalName", "jobTitle"]
        )
    )
    got = await graph.users.by_user_id(uid).get(request_configuration=select_cfg)
    assert got is not None, "get user returned nothing"
    assert got.display_name == f"SDK user {tag}", got.display_name
    assert (got.user_principal_name or "").lower() == upn.lower(), got.user_principal_name
    assert got.job_title is None, f"jobTitle before patch: {got.job_title!r}"
    assert got.mail_nickname is None, f"$select ignored: mailNickname came back ({got.mail_nickname!r})"

    patched = await graph.users.by_user_id(uid).patch(User(job_title="Engineer"))
    assert patched is None, f"PATCH should be 204 No Content, got {patched!r}"
    got = await graph.users.by_user_id(uid).get(request_configuration=select_cfg)
    assert got is not None and got.job_title == "Engineer", f"jobTitle after patch: {got and got.job_title!r}"

    await expect_odata_error(
        graph.users.post(new_user), 400, "Request_BadRequest", "duplicate userPrincipalName"
    )

    # --- Groups: members via $ref, transitiveMemberOf, nesting, loops.
    def new_group(name: str) -> Group:
        return Group(display_name=name, mail_nickname=name, security_enabled=True, mail_enabled=False)

    g1 = await graph.groups.post(new_group(f"sdk-g1-{tag}"))
    assert g1 is not None and g1.id, f"create group returned no id: {g1!r}"
    assert g1.display_name == f"sdk-g1-{tag}", g1.display_name
    ref = await graph.groups.by_group_id(g1.id).members.ref.post(
        ReferenceCreate(odata_id=f"{graph_base}/directoryObjects/{uid}")
    )
    assert ref is None, f"$ref POST should be 204, got {ref!r}"
    members = await graph.groups.by_group_id(g1.id).members.get()
    assert ids_of(members) == [uid], f"group members: {ids_of(members)}"
    # Members come back as directoryObjects; "@odata.type" picks the subclass.
    assert isinstance(members.value[0], User), (
        f"member deserialized as {type(members.value[0]).__name__}: missing '@odata.type': '#microsoft.graph.user'?"
    )
    tmo = await graph.users.by_user_id(uid).transitive_member_of.get()
    assert g1.id in ids_of(tmo), f"transitiveMemberOf {ids_of(tmo)} lacks {g1.id}"
    assert all(isinstance(o, Group) for o in tmo.value if o.id == g1.id), (
        "transitiveMemberOf item not a Group: missing '@odata.type': '#microsoft.graph.group'?"
    )

    g2 = await graph.groups.post(new_group(f"sdk-g2-{tag}"))
    assert g2 is not None and g2.id, f"create group 2 returned no id: {g2!r}"
    await graph.groups.by_group_id(g2.id).members.ref.post(
        ReferenceCreate(odata_id=f"{graph_base}/directoryObjects/{g1.id}")
    )
    tmo = await graph.users.by_user_id(uid).transitive_member_of.get()
    assert {g1.id, g2.id} <= set(ids_of(tmo)), f"transitiveMemberOf {ids_of(tmo)} lacks {g1.id} and/or {g2.id}"
    await expect_odata_error(
        graph.groups.by_group_id(g1.id).members.ref.post(
            ReferenceCreate(odata_id=f"{graph_base}/directoryObjects/{g2.id}")
        ),
        400,
        None,
        "group membership loop (g2 into g1 while g1 is in g2)",
    )

    # --- $filter.
    found = await graph.users.get(
        request_configuration=RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=f"userPrincipalName eq '{upn}'"
            )
        )
    )
    assert ids_of(found) == [uid], f"$filter eq upn: {ids_of(found)}"

    # --- Paging through the 1000 pre-seeded users with msgraph-core's PageIterator.
    bulk_filter = f"startswith(userPrincipalName,'{bulk_prefix}')"
    first = await graph.users.get(
        request_configuration=RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=bulk_filter, top=PAGE, select=["id", "userPrincipalName"]
            )
        )
    )
    assert isinstance(first, UserCollectionResponse), f"first page: {first!r}"
    assert first.odata_next_link, "first page of 1000 users with $top=100 has no @odata.nextLink"
    assert first.odata_next_link.startswith(graph_base), (
        f"@odata.nextLink {first.odata_next_link} is not an absolute URL under {graph_base}"
    )
    iterator = PageIterator(first, graph.request_adapter, error_mapping={"XXX": ODataError})
    seen: list[str] = []
    page_sizes: list[int] = []
    last_page = [None]

    def collect(user: User) -> bool:
        # iterate() swaps iterator.current_page before enumerating each page.
        if iterator.current_page is not last_page[0]:
            last_page[0] = iterator.current_page
            page_sizes.append(0)
        page_sizes[-1] += 1
        assert user.id, f"paged user without id: {user!r}"
        assert (user.user_principal_name or "").lower().startswith(bulk_prefix.lower()), user.user_principal_name
        seen.append(user.id)
        return True

    await iterator.iterate(collect)
    assert len(seen) == BULK_COUNT, f"paged {len(seen)} users, expected {BULK_COUNT} (pages {page_sizes})"
    assert len(set(seen)) == BULK_COUNT, f"{BULK_COUNT - len(set(seen))} duplicate ids across pages {page_sizes}"
    assert all(n == PAGE for n in page_sizes[:-1]), f"pages before the last must hold {PAGE}: {page_sizes}"
    assert len(page_sizes) == BULK_COUNT // PAGE, f"expected {BULK_COUNT // PAGE} pages, got {page_sizes}"
    print("paged", len(seen), "users in", len(page_sizes), "pages")

    # --- $count (an advanced query: ConsistencyLevel: eventual).
    headers = HeadersCollection()
    headers.add("ConsistencyLevel", "eventual")
    count = await graph.users.count.get(
        request_configuration=RequestConfiguration(
            headers=headers,
            query_parameters=CountRequestBuilder.CountRequestBuilderGetQueryParameters(filter=bulk_filter),
        )
    )
    assert count == BULK_COUNT, f"users/$count with {bulk_filter}: {count!r}"

    # --- Applications: addPassword / removePassword.
    app = await graph.applications.post(
        Application(
            display_name=f"sdk-app-{tag}",
            sign_in_audience="AzureADMyOrg",
            web=WebApplication(redirect_uris=["https://app.example/cb"]),
        )
    )
    assert app is not None and app.id, f"create application returned no id: {app!r}"
    assert app.app_id, f"application has no appId: {app!r}"
    assert app.web and app.web.redirect_uris == ["https://app.example/cb"], app.web
    cred = await graph.applications.by_application_id(app.id).add_password.post(
        AddPasswordPostRequestBody(password_credential=PasswordCredential(display_name="ci"))
    )
    assert cred is not None and cred.secret_text, f"addPassword returned no secretText: {cred!r}"
    assert cred.key_id, f"addPassword returned no keyId: {cred!r}"
    assert cred.display_name == "ci", cred.display_name
    got_app = await graph.applications.by_application_id(app.id).get()
    creds = [c for c in (got_app.password_credentials or []) if c.key_id == cred.key_id]
    assert len(creds) == 1, f"keyId {cred.key_id} not in {[c.key_id for c in got_app.password_credentials or []]}"
    assert creds[0].secret_text is None, "secretText must only be returned by addPassword"
    removed = await graph.applications.by_application_id(app.id).remove_password.post(
        RemovePasswordPostRequestBody(key_id=cred.key_id)
    )
    assert removed is None, f"removePassword should be 204, got {removed!r}"
    got_app = await graph.applications.by_application_id(app.id).get()
    assert cred.key_id not in [c.key_id for c in got_app.password_credentials or []], "removed password still listed"

    # --- Delete, then 404 in Graph's shape.
    deleted = await graph.users.by_user_id(uid).delete()
    assert deleted is None, f"DELETE should be 204, got {deleted!r}"
    err = await expect_odata_error(
        graph.users.by_user_id(uid).get(), 404, "Request_ResourceNotFound", "get deleted user"
    )
    inner = err.error.inner_error
    assert inner is not None and inner.request_id, f"error.innerError.request-id missing: {inner!r}"


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ODataError as e:
        err = e.error
        print(
            f"FAIL: ODataError {e.response_status_code} {err and err.code}: {err and err.message}",
            file=sys.stderr,
        )
        raise
    from msgraph._version import VERSION as SDK_VERSION

    print("OK msgraph-sdk directory", SDK_VERSION)
