#!/usr/bin/env -S npx tsx
/**
 * The command-line utility for administrative tasks of mysite (Django's manage.py).
 * Run `npx tsx manage.ts help` for the commands: runserver, check, collectstatic, startapp...
 */
import { fileURLToPath } from 'node:url';
import { executeFromCommandLine } from 'tsgi-framework/management';

process.exitCode = await executeFromCommandLine(process.argv.slice(2), {
  project: {
    baseDir: fileURLToPath(new URL('.', import.meta.url)),
    settings: 'mysite/settings.ts',
    application: 'mysite/tsgi.ts:application',
  },
});
