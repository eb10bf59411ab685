// @microsoft/microsoft-graph-client (v3) against Tessera's Graph-shaped
// directory API under ${TESSERA_URL}/v1.0, with the token from @azure/msal-node
// (client credentials, Tessera as the authority). What changes from a Graph app:
// baseUrl, and customHosts (the client attaches the bearer token only to
// Microsoft's Graph hosts and these; matched on the hostname without the port).
// Users, $select, $filter, groups and members/$ref, PageIterator over the 1000
// pre-seeded users, delete and Graph's 404 error shape. Node trusts the dev CA
// through NODE_EXTRA_CA_CERTS. Exits non-zero on any failure.
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, GraphError, PageIterator } from '@microsoft/microsoft-graph-client';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

const {
  TESSERA_URL: rawBase,
  TESSERA_TENANT: tenant,
  TESSERA_CLIENT_ID: clientId,
  TESSERA_CLIENT_SECRET: secret,
  TESSERA_DOMAIN: domain,
  TESSERA_BULK_PREFIX: bulkPrefix,
} = process.env;
for (const [k, v] of Object.entries({ rawBase, tenant, clientId, secret, domain, bulkPrefix })) assert.ok(v, `missing env for ${k}`);
const base = rawBase.replace(/\/+$/, '');
const graphBase = `${base}/v1.0`;
const url = new URL(base);
const scopes = ['https://graph.microsoft.com/.default'];
const BULK = 1000;
const PAGE = 200;

const msal = new ConfidentialClientApplication({
  auth: { clientId, clientSecret: secret, authority: `${base}/${tenant}`, knownAuthorities: [url.host] },
});

// Client.init's authProvider is a callback-style provider (wrapped in the
// library's CustomAuthenticationProvider); MSAL's cache serves repeat calls.
const authProvider = (done) => {
  msal
    .acquireTokenByClientCredential({ scopes })
    .then((r) => done(null, r && r.accessToken))
    .catch((e) => done(e, null));
};

const client = Client.init({
  authProvider,
  baseUrl: `${base}/`,
  defaultVersion: 'v1.0',
  // isCustomHost() compares the URL's hostname with the port cut off, so the
  // bare hostname (url.hostname), not url.host ("127.0.0.1:PORT").
  customHosts: new Set([url.hostname]),
});

async function expectGraphError(promise, status, code, what) {
  let result;
  try {
    result = await promise;
  } catch (e) {
    assert.ok(e instanceof GraphError, `${what}: expected GraphError, got ${e && e.constructor && e.constructor.name}: ${e}`);
    assert.equal(e.statusCode, status, `${what}: expected HTTP ${status}, got ${e.statusCode} (${e.code}: ${e.message})`);
    if (code !== undefined) assert.equal(e.code, code, `${what}: expected code ${code}, got ${e.code} (${e.message})`);
    assert.ok(e.message, `${what}: empty error message`);
    return e;
  }
  assert.fail(`${what}: expected GraphError ${status} ${code}, got success: ${JSON.stringify(result)}`);
}

const tag = randomBytes(4).toString('hex');

// --- Create a user, get it with $select.
const upn = `node-${tag}@${domain}`;
const created = await client.api('/users').post({
  accountEnabled: true,
  displayName: `Node user ${tag}`,
  mailNickname: `node-${tag}`,
  userPrincipalName: upn,
  passwordProfile: { password: `Xk9!${randomBytes(18).toString('base64url')}`, forceChangePasswordNextSignIn: false },
});
assert.ok(created && created.id, `create user returned no id: ${JSON.stringify(created)}`);
assert.equal(String(created.userPrincipalName).toLowerCase(), upn.toLowerCase());
const uid = created.id;

const got = await client.api(`/users/${uid}`).select(['displayName', 'userPrincipalName']).get();
assert.equal(got.displayName, `Node user ${tag}`);
assert.equal(String(got.userPrincipalName).toLowerCase(), upn.toLowerCase());
assert.equal(got.mailNickname, undefined, `$select ignored: mailNickname came back (${got.mailNickname})`);

// --- $filter.
const found = await client.api('/users').filter(`userPrincipalName eq '${upn}'`).get();
assert.ok(Array.isArray(found.value), `no value array: ${JSON.stringify(found)}`);
assert.deepEqual(found.value.map((u) => u.id), [uid], `$filter eq upn returned ${JSON.stringify(found.value)}`);

// --- A group, the user added through members/$ref, members listed.
const group = await client.api('/groups').post({
  displayName: `node-g-${tag}`,
  mailNickname: `node-g-${tag}`,
  securityEnabled: true,
  mailEnabled: false,
});
assert.ok(group && group.id, `create group returned no id: ${JSON.stringify(group)}`);
await client.api(`/groups/${group.id}/members/$ref`).post({ '@odata.id': `${graphBase}/directoryObjects/${uid}` });
const members = await client.api(`/groups/${group.id}/members`).get();
assert.deepEqual(members.value.map((m) => m.id), [uid], `members: ${JSON.stringify(members.value)}`);
assert.equal(members.value[0]['@odata.type'], '#microsoft.graph.user', 'member lacks @odata.type');

// --- PageIterator over the pre-seeded users.
const first = await client
  .api('/users')
  .filter(`startswith(userPrincipalName,'${bulkPrefix}')`)
  .top(PAGE)
  .select(['id', 'userPrincipalName'])
  .get();
assert.ok(first['@odata.nextLink'], `first page of ${BULK} with $top=${PAGE} has no @odata.nextLink`);
assert.ok(
  first['@odata.nextLink'].startsWith(graphBase),
  `@odata.nextLink ${first['@odata.nextLink']} is not an absolute URL under ${graphBase}`,
);
const ids = [];
const pageSizes = [];
let lastPage;
const iterator = new PageIterator(client, first, (user) => {
  // PageIterator keeps the current page's items in `collection` (TypeScript-private).
  if (iterator.collection !== lastPage) {
    lastPage = iterator.collection;
    pageSizes.push(0);
  }
  pageSizes[pageSizes.length - 1] += 1;
  assert.ok(user.id, `paged user without id: ${JSON.stringify(user)}`);
  assert.ok(String(user.userPrincipalName).toLowerCase().startsWith(bulkPrefix.toLowerCase()), user.userPrincipalName);
  ids.push(user.id);
  return true;
});
await iterator.iterate();
assert.ok(iterator.isComplete(), 'PageIterator did not complete');
assert.equal(ids.length, BULK, `paged ${ids.length} users, expected ${BULK} (pages ${pageSizes})`);
assert.equal(new Set(ids).size, BULK, `${BULK - new Set(ids).size} duplicate ids across pages ${pageSizes}`);
assert.ok(pageSizes.slice(0, -1).every((n) => n === PAGE), `pages before the last must hold ${PAGE}: ${pageSizes}`);
assert.equal(pageSizes.length, BULK / PAGE, `expected ${BULK / PAGE} pages, got ${pageSizes}`);

// --- Delete, then 404 in Graph's shape.
await client.api(`/users/${uid}`).delete();
const err = await expectGraphError(client.api(`/users/${uid}`).get(), 404, 'Request_ResourceNotFound', 'get deleted user');
assert.ok(err.requestId, `error.innerError.request-id missing: ${err.body}`);

console.log(`OK microsoft-graph-client directory (paged ${ids.length} users in ${pageSizes.length} pages)`);
