// openid-client (v6) against Tessera: a confidential client's authorization
// code flow with PKCE (S256), state and nonce, all of openid-client's checks on
// (issuer, RFC 9207 "iss", ID token signature against the JWKS, nonce, aud).
// The browser part (sign-in page, consent page if shown) is driven with fetch
// and a hand-kept cookie jar. Then UserInfo with the ID token's subject.
// Node trusts the dev CA through NODE_EXTRA_CA_CERTS. Exits non-zero on any failure.
import * as client from 'openid-client';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

const {
  TESSERA_URL: base,
  TESSERA_TENANT: tenant,
  TESSERA_CONF_CLIENT_ID: clientId,
  TESSERA_CONF_CLIENT_SECRET: clientSecret,
  TESSERA_USERNAME: username,
  TESSERA_PASSWORD: password,
} = process.env;
const issuer = `${base}/${tenant}/v2.0`;
const redirectUri = 'https://app.example/cb';
const scope = 'openid profile email offline_access User.Read';

function fail(msg, ...details) {
  console.error('FAIL:', msg);
  for (const d of details) console.error(typeof d === 'string' ? d : inspect(d, { depth: 6 }));
  process.exit(1);
}

// --- A minimal browser: cookies by name (all from one origin), no auto-redirects.
const jar = new Map();
async function browse(url, init = {}) {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
  const body = res.status >= 300 && res.status < 400 ? '' : await res.text();
  return { res, body, url };
}

function unescapeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l[0] === '#') return String.fromCodePoint(l[1] === 'x' ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[l];
  });
}

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    out[m[1].toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

// The one <form> whose action is `action`, with its inputs and buttons.
function findForm(page, action) {
  const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)]
    .map((m) => ({ a: attrs(m[1]), inner: m[2] }))
    .filter((f) => f.a.action === action);
  if (forms.length !== 1) fail(`expected exactly one form with action ${action}, found ${forms.length}`, `status ${page.res.status}`, page.body.slice(0, 4000));
  const f = forms[0];
  if ((f.a.method || 'get').toLowerCase() !== 'post') fail(`form ${action} is not method=post`, f.a);
  const inputs = [...f.inner.matchAll(/<input\b([^>]*)>/gi)].map((m) => attrs(m[1]));
  const buttons = [...f.inner.matchAll(/<button\b([^>]*)>/gi)].map((m) => attrs(m[1]));
  const hidden = new URLSearchParams();
  for (const i of inputs) if ((i.type || 'text').toLowerCase() === 'hidden' && i.name) hidden.append(i.name, i.value ?? '');
  for (const name of ['ctx', 'csrf']) if (!hidden.has(name)) fail(`form ${action} lacks hidden input ${name}`, inputs);
  return { action: f.a.action, inputs, buttons, hidden };
}

async function submit(page, form, extra) {
  const body = new URLSearchParams(form.hidden);
  for (const [k, v] of Object.entries(extra)) body.set(k, v);
  return browse(new URL(form.action, page.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

const isFinal = (page) => page.res.status >= 300 && page.res.status < 400 && (page.res.headers.get('location') || '').startsWith(redirectUri);

// --- The app: discovery (issuer must equal the URL exactly), then the request.
let config;
try {
  config = await client.discovery(new URL(issuer), clientId, clientSecret);
} catch (e) {
  fail('discovery failed', e);
}
assert.equal(config.serverMetadata().issuer, issuer);
const codeVerifier = client.randomPKCECodeVerifier();
const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
const state = client.randomState();
const nonce = client.randomNonce();
const authUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope,
  code_challenge: codeChallenge,
  code_challenge_method: 'S256',
  state,
  nonce,
});
assert.equal(`${authUrl.origin}${authUrl.pathname}`, `${base}/${tenant}/oauth2/v2.0/authorize`);

// --- The browser.
let page = await browse(authUrl);
if (page.res.status !== 200) fail(`authorize answered ${page.res.status}, expected the sign-in page`, [...page.res.headers], page.body.slice(0, 4000));
if (!jar.has('__Host-tessera_csrf')) fail('no __Host-tessera_csrf cookie from the sign-in page', [...page.res.headers]);
const login = findForm(page, `/${tenant}/login`);
const types = Object.fromEntries(login.inputs.filter((i) => i.name).map((i) => [i.name, (i.type || 'text').toLowerCase()]));
if (!['text', 'email'].includes(types.username) || types.password !== 'password') fail('sign-in form lacks username/password inputs', login.inputs);
page = await submit(page, login, { username, password });

let consented = false;
if (!isFinal(page)) {
  if (page.res.status !== 200) fail(`sign-in POST answered ${page.res.status}`, [...page.res.headers], page.body.slice(0, 4000));
  const consent = findForm(page, `/${tenant}/consent`);
  const decisions = new Set([
    ...consent.buttons.filter((b) => b.name === 'decision').map((b) => b.value),
    ...consent.inputs.filter((i) => i.name === 'decision' && (i.type || '').toLowerCase() === 'submit').map((i) => i.value),
  ]);
  if (!decisions.has('accept') || !decisions.has('cancel')) fail('consent form lacks decision=accept/cancel', consent.buttons);
  page = await submit(page, consent, { decision: 'accept' });
  consented = true;
  if (!isFinal(page)) fail(`consent POST answered ${page.res.status} ${page.res.headers.get('location')}`, page.body.slice(0, 4000));
}
if (!jar.has('__Host-tessera_session')) fail('no __Host-tessera_session cookie after sign-in', [...jar.keys()]);
const callback = new URL(page.res.headers.get('location'));
for (const k of ['code', 'state', 'iss']) if (!callback.searchParams.has(k)) fail(`redirect lacks ${k}`, callback.href);

// --- Back in the app: openid-client validates iss/state, redeems the code,
// verifies the ID token (signature via JWKS, iss, aud, exp, iat, nonce).
let tokens;
try {
  tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
} catch (e) {
  fail('authorizationCodeGrant failed', e);
}
assert.equal(tokens.token_type, 'bearer');
assert.ok(tokens.access_token, 'no access token');
assert.ok(tokens.refresh_token, 'no refresh token (offline_access)');
const claims = tokens.claims();
assert.ok(claims, 'no ID token claims');
assert.equal(claims.iss, issuer);
assert.equal(claims.aud, clientId);
assert.equal(claims.nonce, nonce);
assert.equal(claims.tid, tenant);
assert.equal(String(claims.preferred_username).toLowerCase(), username.toLowerCase());
const at = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
assert.equal(at.aud, '00000003-0000-0000-c000-000000000000');
assert.ok(String(at.scp).split(' ').includes('User.Read'), at.scp);
console.log(`OK openid-client code${consented ? ' (consent shown)' : ' (no consent page)'}`);

// --- UserInfo: openid-client requires its sub to equal the ID token's.
let info;
try {
  info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
} catch (e) {
  fail('fetchUserInfo failed', e);
}
assert.equal(info.sub, claims.sub);
if (info.preferred_username !== undefined) assert.equal(String(info.preferred_username).toLowerCase(), username.toLowerCase());
console.log('OK openid-client userinfo');
