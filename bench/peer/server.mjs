// The benchmark peer: node's oidc-provider on 127.0.0.1:PORT (argv[2]),
// configured like Tessera, with a freshly generated signing key for ALG
// (argv[3], RS256 or ES256) and default in-memory storage. Two clients:
//
// * `bench-client` (bench/token.sh): confidential (client_secret_post),
//   client-credentials grant, scope `api`. Its access tokens are JWTs for the
//   resource `urn:bench:api`, signed with ALG, one hour lifetime.
//
// * `bench-native` (the login benchmark): public (no client secret),
//   authorization code + PKCE (S256, which oidc-provider requires of every
//   public client) and refresh tokens, redirect URI http://127.0.0.1:9/cb,
//   scope `openid api`. Its access tokens are the same JWTs for
//   `urn:bench:api` (the resource is defaulted at /auth, so neither /auth nor
//   /token needs a `resource` parameter); its ID tokens are signed with ALG.
//   Left at the default application_type `web`: a `native` client would be
//   sent through the consent interaction on every login, SSO ones included.
//
// One account, `ada@bench.example`, whose password is kept only as an
// Argon2id hash (Tessera's parameters: 19456 KiB, 2 passes, 1 lane) computed
// at startup; logins verify against it with argon2.verify.
//
// Interactions (oidc-provider sends the browser to /interaction/UID) are
// served here, in front of provider.callback():
//   GET  /interaction/UID        prompt `login`: 200, a page with one form
//                                (username, password; no hidden inputs);
//                                prompt `consent`: granted at once, 303 onwards.
//   POST /interaction/UID/login  form body; right password: the login and the
//                                grant (openid api for urn:bench:api, as if an
//                                administrator had consented in advance) are
//                                finished in one step, 303 to /auth/UID;
//                                wrong password: 200, the form again.
// A second authorization request with the session cookie (`_session`) goes
// straight to the redirect URI with a code (SSO).
import Provider from 'oidc-provider';
import argon2 from 'argon2';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const port = Number(process.argv[2] || 3000);
const alg = process.argv[3] || 'RS256';
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = alg === 'ES256'
  ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
  : generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `bench-${alg}` };

const RESOURCE = 'urn:bench:api';
const ACCOUNT = { accountId: 'ada', username: 'ada@bench.example' };
// Hashed in the libuv thread pool while the server already listens; a login
// arriving before it is done waits for it.
const passwordHash = argon2.hash('correct horse battery staple 42', {
  type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1,
});

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  // offline_access (oidc-provider's default) is what enables the refresh_token
  // grant type; bench-native may not request it, so, like Tessera for a
  // request without offline_access, no refresh token is issued.
  scopes: ['openid', 'offline_access', 'api'],
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clients: [{
    client_id: 'bench-client',
    client_secret: 'bench-secret-bench-secret-bench-secret-0123',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'api',
    id_token_signed_response_alg: alg,
  }, {
    client_id: 'bench-native',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: ['http://127.0.0.1:9/cb'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid api',
    id_token_signed_response_alg: alg,
  }],
  findAccount: (ctx, id) => (id === ACCOUNT.accountId ? {
    accountId: id,
    claims: () => ({ sub: id, name: 'Ada', email: ACCOUNT.username }),
  } : undefined),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg } },
      }),
    },
  },
});

// The grant an administrator would have consented to: openid api, for the
// resource. Reuses the interaction's grant when there is one.
async function grantFor(details, accountId) {
  const grant = (details.grantId && await provider.Grant.find(details.grantId))
    || new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope('openid api');
  grant.addResourceScope(RESOURCE, 'api');
  return grant.save();
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function loginPage(res, uid, error) {
  const body = `<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in</title></head><body>
${error ? `<p role="alert">${esc(error)}</p>\n` : ''}<form method="post" action="/interaction/${esc(uid)}/login">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
</body></html>
`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 8192) reject(new Error('form body too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const { prompt } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return loginPage(res, uid);
    if (prompt.name === 'consent') {
      const grantId = await grantFor(details, details.session.accountId);
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    throw new Error(`unexpected prompt ${prompt.name}`);
  }

  if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    // Always verified, so a wrong username costs the same as a wrong password.
    const ok = await argon2.verify(await passwordHash, form.get('password') ?? '');
    if (!ok || form.get('username') !== ACCOUNT.username) {
      return loginPage(res, uid, 'Wrong username or password.');
    }
    const grantId = await grantFor(details, ACCOUNT.accountId);
    return provider.interactionFinished(req, res, {
      login: { accountId: ACCOUNT.accountId },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }

  res.writeHead(405, { 'Content-Type': 'text/plain' }).end('method not allowed\n');
}

const callback = provider.callback();
createServer((req, res) => {
  const m = /^\/interaction\/([\w-]+)(?:\/(login))?\/?(?:\?.*)?$/.exec(req.url);
  if (!m) return callback(req, res);
  interaction(req, res, m[1], m[2]).catch((err) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${err.name}: ${err.message}\n`);
  });
}).listen(port, '127.0.0.1');
