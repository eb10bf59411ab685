// @azure/msal-node against Tessera: client credentials with a secret. Only the
// authority changes (plus knownAuthorities, which tells MSAL to trust a host
// that is not Microsoft's cloud). Exits non-zero on any failure.
import { ConfidentialClientApplication } from '@azure/msal-node';
import assert from 'node:assert/strict';

const { TESSERA_URL: base, TESSERA_TENANT: tenant, TESSERA_CLIENT_ID: clientId, TESSERA_CLIENT_SECRET: secret } = process.env;
const host = new URL(base).host;
const scopes = ['https://graph.microsoft.com/.default'];

const app = new ConfidentialClientApplication({
  auth: { clientId, clientSecret: secret, authority: `${base}/${tenant}`, knownAuthorities: [host] },
});
const result = await app.acquireTokenByClientCredential({ scopes });
assert.ok(result && result.accessToken, 'no access token');
assert.equal(result.tokenType, 'Bearer');
const claims = JSON.parse(Buffer.from(result.accessToken.split('.')[1], 'base64url').toString());
assert.equal(claims.azp, clientId);
assert.equal(claims.tid, tenant);
assert.ok(claims.roles.includes('Directory.ReadWrite.All'));

// Served from MSAL's cache the second time.
const again = await app.acquireTokenByClientCredential({ scopes });
assert.equal(again.accessToken, result.accessToken);
assert.equal(again.fromCache, true);

// A wrong secret surfaces Entra's error shape.
const bad = new ConfidentialClientApplication({
  auth: { clientId, clientSecret: 'wrong', authority: `${base}/${tenant}`, knownAuthorities: [host] },
});
await assert.rejects(bad.acquireTokenByClientCredential({ scopes }), (e) => {
  assert.equal(e.errorCode, 'invalid_client');
  assert.ok(String(e.errorMessage).includes('AADSTS7000215'), e.errorMessage);
  return true;
});
console.log('OK msal-node client credentials');
