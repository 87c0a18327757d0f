// A real OpenID Connect provider for the single sign-on tests (oauth2-mock-server from frontend/).
// Usage: node oidc_provider.mjs <port>. Prints "ready <issuer>" when it listens on 127.0.0.1.
// POST /test/user with a JSON person ({sub, preferred_username, email, name, groups}) picks who signs in next.
const here = new URL('.', import.meta.url);
const { OAuth2Server, Events } = await import(
  new URL('../../frontend/node_modules/oauth2-mock-server/dist/index.mjs', here).href
);

const port = Number(process.argv[2] || 0);
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

let person = { sub: 'nobody', preferred_username: 'nobody', email: 'nobody@bochum.example', groups: [] };

server.service.addRoute('POST', '/test/user', (req, res) => {
  person = req.body;
  res.statusCode = 204;
  res.end();
});
server.service.on(Events.BeforeTokenSigning, (token) => {
  Object.assign(token.payload, person);
});
server.service.on(Events.BeforeUserinfo, (userinfo) => {
  userinfo.body = { ...person };
});

await server.start(port, '127.0.0.1');
console.log(`ready ${server.issuer.url}`);
process.on('SIGTERM', async () => {
  await server.stop();
  process.exit(0);
});
