// srvx answering a standard Response (its own FastResponse is not used here on purpose).
import { serve } from 'srvx';

serve({
  port: Number(process.env.PORT),
  hostname: process.env.HOST ?? '127.0.0.1',
  silent: true,
  fetch: () => new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } }),
});
