// A view's fetch Response carrying tsgi.trailers keeps them through the middleware onion
// (copyExtensions), and a server with the extension (serve()) sends them after the last chunk.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from 'tsgi-test-support';
import { withTrailers } from 'tsgi';
import { serveApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import type { SettingsInput } from '../conf/settings.js';

it('a streamed view response with trailers reaches the client chunked, trailers last', async () => {
  const view = () => {
    let bytes = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ['one,', 'two']) {
          bytes += part.length;
          controller.enqueue(new TextEncoder().encode(part));
        }
        controller.close();
      },
    });
    return withTrailers(new Response(body, { headers: { 'content-type': 'text/plain' } }), () => ({ 'x-body-bytes': String(bytes) }));
  };
  const served = await serveApp({ DEBUG: false, SECRET_KEY: 'x'.repeat(50), ALLOWED_HOSTS: ['127.0.0.1'], ROOT_URLCONF: [path('report/', view)] } as SettingsInput);
  try {
    const raw = await rawExchange(served.port, 'GET /report/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(raw, /\r\nx-frame-options: DENY\r\n/i, 'the middleware ran');
    assert.match(raw, /\r\ntransfer-encoding: chunked\r\n/i);
    assert.match(raw, /\r\n\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\nx-body-bytes: 7\r\n\r\n$/, 'each chunk as it came, then the trailer section');
  } finally {
    await served.close();
  }
});
