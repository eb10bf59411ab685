// The benchmark peer: node's oidc-provider on 127.0.0.1:PORT (argv[2]),
// configured like Tessera for client credentials: one confidential client
// (client_secret_post), JWT access tokens signed with ALG (argv[3], RS256 or
// ES256), one hour lifetime, roles-like scope for one resource.
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const port = Number(process.argv[2] || 3000);
const alg = process.argv[3] || 'RS256';
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = alg === 'ES256'
  ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
  : generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `bench-${alg}` };

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  scopes: ['openid', 'api'],
  clients: [{
    client_id: 'bench-client',
    client_secret: 'bench-secret-bench-secret-bench-secret-0123',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'api',
    id_token_signed_response_alg: alg,
  }],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
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
provider.listen(port, '127.0.0.1');
