/**
 * A deliberately broken app, run by app.conformance.test.ts in a child process to prove that
 * the app suite fails on a contract violation (it is not named *.test.ts, so the runner skips it).
 */
import { describeAppConformance } from '../index.js';

describeAppConformance('broken app', (request) => {
  if (request.method === 'POST') return new Response('framed by the app', { headers: { 'transfer-encoding': 'chunked' } });
  return new Response('fine');
});
