// TSGI hello world answering tsgi's FastResponse. Exported for tsgi-appserver; serve()s itself when SERVE=1.
import { FastResponse, serve } from 'tsgi';

export const application = () => new FastResponse('Hello, World!', { headers: { 'content-type': 'text/plain' } });

if (process.env.SERVE === '1') await serve(application, { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT) });
