// TSGI hello world answering a standard Response. Exported for tsgi-appserver; serve()s itself when SERVE=1.
import { serve } from 'tsgi';

export const application = () => new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } });

if (process.env.SERVE === '1') await serve(application, { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT) });
