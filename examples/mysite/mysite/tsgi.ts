/**
 * TSGI config for mysite (Django's wsgi.py): exposes the application object every
 * TSGI server calls, production and development alike:
 *
 *   npx tsgi-appserver -b 127.0.0.1:8000 -w 2 mysite/tsgi.ts:application
 *   npx tsx manage.ts runserver
 */
import { getTsgiApplication } from 'tsgi-framework';
import { settings } from './settings.js';

export const application = getTsgiApplication(settings);
