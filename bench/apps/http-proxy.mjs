// http-proxy (or http-proxy-3 with IMPL=http-proxy-3) in front of UPSTREAM, with a keep-alive agent as users would run it.
import { createServer, Agent } from 'node:http';

const mod = await import(process.env.IMPL ?? 'http-proxy');
const httpProxy = mod.default ?? mod;
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target: `http://${process.env.UPSTREAM}`, agent });
proxy.on('error', (_err, _req, res) => { res.writeHead?.(502); res.end?.(); });
createServer((req, res) => proxy.web(req, res)).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
