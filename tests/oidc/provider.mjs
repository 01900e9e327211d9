// A real OpenID provider for the tests: the `oidc-provider` package (a devDependency), on 127.0.0.1.
//
//   node tests/oidc/provider.mjs PORT CONFIG_JSON
//
// CONFIG_JSON: {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {login: {email,
// email_verified}}}. Sign-in uses the package's development interactions: any listed login, any password.
// Prints "ready" once listening.
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3]);

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: config.clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: account.email_verified };
      },
    };
  },
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  conformIdTokenClaims: false, // the ID token carries the email claims, as Entra ID and Google send them
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["tests-only-cookie-key"] },
});

provider.listen(port, "127.0.0.1", () => {
  process.stdout.write("ready\n");
});
