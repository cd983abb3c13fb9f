// A local OpenID provider shaped like Pro Santé Connect, for Rempart's tests only.
//
//   OIDC_TEST_CONFIG='{"clients": [...], "accounts": {...}, "acr_values": [...]}' \
//     node provider.mjs [port]
//
// Port 0 (the default) lets the system choose; the first line on stdout is
// "ready <issuer>" once the provider answers. Clients, synthetic professionals and acr
// values come from the test (tests/identity/conftest.py), so there is one source of truth.
// The login page is a bare form that a test posts with httpx: no browser, no consent
// screen (the grant is given with the login, as a first-party sign-in would).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);
const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const accounts = config.accounts ?? {};

// Fresh keys every run: nothing to commit, nothing that could sign for anyone else.
function signingKey(kid, type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const keys = [
  signingKey('test-rsa', 'rsa', { modulusLength: 2048 }, 'RS256'),
  signingKey('test-ec', 'ec', { namedCurve: 'P-256' }, 'ES256'),
];

function findAccount(_ctx, sub) {
  const account = accounts[sub];
  if (!account) return undefined;
  return {
    accountId: sub,
    // Some professionals carry SubjectNameID only in UserInfo, as a provider may do, so
    // that both of the client's paths are exercised.
    async claims(use) {
      const claims = { sub, email: account.email };
      if (use === 'userinfo' || account.in_id_token) claims.SubjectNameID = account.SubjectNameID;
      return claims;
    },
  };
}

function page(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`<!doctype html><title>Test sign-in</title>${body}`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(provider, req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, '<p>unknown interaction</p>');
  if (req.method === 'GET') {
    const acrs = (config.acr_values ?? []).map((acr) => `<option>${acr}</option>`).join('');
    return page(
      res,
      200,
      `<form method="post" action="/interaction/${uid}">
        <input name="login"><select name="acr">${acrs}</select>
        <button>Sign in</button><button name="abort" value="1">Cancel</button>
      </form>`,
    );
  }
  if (req.method !== 'POST') return page(res, 405, '');
  const form = await readForm(req);
  if (form.get('abort')) {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'the professional cancelled' },
      { mergeWithLastSubmission: false },
    );
  }
  const accountId = form.get('login') ?? '';
  if (!Object.hasOwn(accounts, accountId)) return page(res, 400, '<p>unknown account</p>');
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, {
    login: { accountId, acr: form.get('acr') ?? undefined },
    consent: { grantId },
  });
}

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients ?? [],
    jwks: { keys },
    findAccount,
    acrValues: config.acr_values ?? [],
    scopes: ['openid', 'scope_all'],
    claims: {
      openid: ['sub'],
      scope_all: ['SubjectNameID', 'email'],
    },
    // Scope claims in the ID token as well as in UserInfo, like Pro Santé Connect.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
    },
    renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(req.url.split('?')[0]);
    if (!match) return callback(req, res);
    return interaction(provider, req, res, match[1]).catch((error) => {
      page(res, 500, `<p>${error.name}</p>`);
    });
  });
  process.stdout.write(`ready ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
