// tsgi-framework: the JSON route of the framework group behind the framework's default middleware.
import { defineSettings, getTsgiApplication, path, JsonResponse } from 'tsgi-framework';

const settings = defineSettings({
  DEBUG: false,
  SECRET_KEY: 'bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  ALLOWED_HOSTS: ['127.0.0.1', 'localhost'],
  ROOT_URLCONF: [path('api/hello/<slug:name>/', (request) => new JsonResponse({ hello: request.params.name, framework: 'tsgi' }))],
});

export const application = getTsgiApplication(settings);
