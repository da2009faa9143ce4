// tsgi-framework behind its default middleware: the JSON route of the framework group, and the
// hello world (`/`) and the same JSON route of the chain group.
import { defineSettings, getTsgiApplication, path, HttpResponse, JsonResponse } from 'tsgi-framework';

const settings = defineSettings({
  DEBUG: false,
  SECRET_KEY: 'bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  ALLOWED_HOSTS: ['127.0.0.1', 'localhost'],
  ROOT_URLCONF: [
    path('', () => new HttpResponse('Hello, World!', { contentType: 'text/plain; charset=utf-8' })),
    path('api/hello/<slug:name>/', (request) => new JsonResponse({ hello: request.params.name, framework: 'tsgi' })),
  ],
});

export const application = getTsgiApplication(settings);
