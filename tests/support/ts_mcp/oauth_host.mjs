// An MCP host built on the official TypeScript SDK: given only the URL of an MCP endpoint, it
// connects with an OAuth provider and no token. The browser part is the test's: each message is
// one JSON line; we print {"authorize": url} and read back {"code", "state", "iss"}; at the end we
// print {"result": <CallToolResult>, "tokens": {...}} (or {"error": "..."}).
//
//   node oauth_host.mjs <mcp url> <tool> <arguments as JSON>
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const [url, tool, args] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");

class MemoryProvider {
  constructor() {
    this.saved = {};
    this.lastState = "";
  }
  get redirectUrl() {
    return "http://127.0.0.1:53683/callback";
  }
  get clientMetadata() {
    return {
      client_name: "TypeScript SDK host",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    this.lastState = Math.random().toString(36).slice(2);
    return this.lastState;
  }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; }
  redirectToAuthorization(authorizationUrl) { say({ authorize: authorizationUrl.toString() }); }
  saveCodeVerifier(verifier) { this.saved.verifier = verifier; }
  codeVerifier() { return this.saved.verifier; }
}

async function connect(provider) {
  const client = new Client({ name: "ts-sdk-host", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await client.connect(transport);
    return client;
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  const reply = JSON.parse((await lines.next()).value);
  if (reply.state !== provider.lastState) throw new Error("state mismatch");
  await transport.finishAuth(reply.code);
  const again = new Client({ name: "ts-sdk-host", version: "1.0.0" });
  await again.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
  return again;
}

try {
  const provider = new MemoryProvider();
  const client = await connect(provider);
  const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
  say({ result, tokens: provider.saved.tokens, protocol: client.transport?.protocolVersion ?? null });
  await client.close();
  process.exit(0);
} catch (error) {
  say({ error: String(error?.stack ?? error) });
  process.exit(1);
}
