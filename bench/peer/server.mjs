// The benchmark peer: node's oidc-provider with one confidential client that
// may use client credentials, listening on 127.0.0.1:PORT (argv[2]).
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 3000);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench-client',
    client_secret: 'bench-secret-bench-secret-bench-secret-0123',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  }],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
});
provider.listen(port, '127.0.0.1');
