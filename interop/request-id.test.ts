/**
 * One request id front to back (issue 11): a client -> tsgi-webserver -> tsgi-appserver ->
 * a tsgi-framework view answering `request.id`. The id in the body must be the one in
 * tsgi-webserver's access log and in tsgi-appserver's: made by the webserver when the client sent
 * none; the client's `X-Request-Id: abc-123` kept when the client is a trusted peer of the
 * webserver (a front before it), replaced when it is not or when the value is invalid (300
 * characters, a space). And tsgi-appserver alone, asked without an id, makes one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canConnect, freePort, waitFor } from 'tsgi-test-support';
import { startAppserver, tempProject, type AppserverProcess } from '../packages/appserver/src/testing/spawn-appserver.js';
import type { FrontProcess } from './support/front-process.js';
import { startWebserver } from './support/webserver.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const APP = `import { getTsgiApplication, path, HttpResponse } from 'tsgi-framework';
export const application = getTsgiApplication({
  DEBUG: false,
  SECRET_KEY: '${'k'.repeat(50)}',
  ALLOWED_HOSTS: ['127.0.0.1'],
  MIDDLEWARE: [],
  ROOT_URLCONF: [path('id/', (request) => new HttpResponse(request.id, { contentType: 'text/plain' }))],
});
`;

/** One JSON access log line. */
type Entry = Record<string, unknown>;

/** The JSON access log entry of `text` (a log file, or a process's output) whose `key` is `target`. */
function entryFor(text: string, key: 'uri' | 'url', target: string): Entry | undefined {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Entry)
    .find((e) => e[key] === target);
}

describe('request id: client -> tsgi-webserver -> tsgi-appserver -> framework view', () => {
  let project: ReturnType<typeof tempProject>;
  let appserver: (AppserverProcess & { url: string }) | undefined;
  let web: FrontProcess | undefined;
  let webLog: string;
  /** The webserver port that trusts loopback clients (as a front before it), and one that trusts no client here. */
  let trusting: number;
  let distrusting: number;

  before(async () => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
    appserver = await startAppserver(['--access-logfile', '-', '--access-log-json', 'app.ts:application'], { cwd: project.dir });
    [trusting, distrusting] = [await freePort(), await freePort()];
    webLog = join(project.dir, 'web-access.log');
    const location = `  [[server.location]]\n  path = "/"\n  proxy_pass = "http://app"\n`;
    web = await startWebserver(`master_process = false
error_log = "stderr"
access_log = "${webLog}"
access_log_format = "json"

[[upstream]]
name = "app"
server = ["${new URL(appserver.url).host}"]

[[server]]
listen = "127.0.0.1:${trusting}"
${location}
[[server]]
listen = "127.0.0.1:${distrusting}"
proxy_trusted_proxies = ["192.0.2.1"]
${location}`);
    await waitFor(() => canConnect(distrusting), { timeoutMs: 10_000, what: () => `tsgi-webserver to listen on ${distrusting}; ${web!.output()}` });
  });

  after(async () => {
    await web?.stop();
    if (appserver !== undefined) assert.equal(await appserver.stop(), 0);
    project?.remove();
  });

  /** The webserver's and the appserver's access log entries for `tag` (a query string unique to one request). */
  async function logged(tag: string): Promise<{ web: Entry; app: Entry }> {
    const webEntry = await waitFor(() => entryFor(readFileSync(webLog, 'utf8'), 'uri', `/id/?${tag}`), { what: () => `tsgi-webserver's access log line for ${tag}:\n${readFileSync(webLog, 'utf8')}` });
    const appEntry = await waitFor(() => entryFor(appserver!.output(), 'url', `/id/?${tag}`), { what: () => `tsgi-appserver's access log line for ${tag}:\n${appserver!.output()}` });
    return { web: webEntry, app: appEntry };
  }

  /** GET /id/?tag through `port`, with `id` as X-Request-Id when given: the id the view answered, checked against both access logs. */
  async function oneId(port: number, tag: string, id?: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${port}/id/?${tag}`, { headers: id === undefined ? {} : { 'x-request-id': id } });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const { web: w, app: a } = await logged(tag);
    assert.equal(w.request_id, body, `tsgi-webserver logged the id the view saw (${tag})`);
    assert.equal(a.request_id, body, `tsgi-appserver logged the id the view saw (${tag})`);
    return body;
  }

  it('no X-Request-Id: tsgi-webserver makes one; the view and both access logs show it', async () => {
    const id = await oneId(trusting, 'none');
    assert.match(id, UUID);
  });

  it('a trusted front\'s X-Request-Id: abc-123 is the id everywhere', async () => {
    assert.equal(await oneId(trusting, 'trusted', 'abc-123'), 'abc-123');
  });

  it('an untrusted client\'s X-Request-Id is replaced, and so is an invalid one from a trusted peer', async () => {
    const untrusted = await oneId(distrusting, 'untrusted', 'abc-123');
    assert.match(untrusted, UUID);
    assert.match(await oneId(trusting, 'long', 'x'.repeat(300)), UUID);
    assert.match(await oneId(trusting, 'space', 'a b'), UUID);
  });

  it('tsgi-appserver alone, asked without an id, makes one and logs it', async () => {
    const response = await fetch(`${appserver!.url}/id/?alone`);
    const id = await response.text();
    assert.equal(response.status, 200, id);
    assert.match(id, UUID);
    const entry = await waitFor(() => entryFor(appserver!.output(), 'url', '/id/?alone'), { what: () => `tsgi-appserver's access log line:\n${appserver!.output()}` });
    assert.equal(entry.request_id, id);
  });
});
