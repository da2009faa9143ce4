/**
 * URL configuration of mysite (Django's urls.py): a list of routes, tried in order.
 *
 * Function views:  path('', home, { name: 'home' })
 * An app's URLs:   include(pollsUrls, { namespace: 'polls' }) under path('polls/', ...)
 */
import { include, path } from 'tsgi-framework';
import { urlpatterns as showcaseUrls } from '../showcase/urls.js';
import { journey } from './journey.js';
import { home } from './views.js';

export const urlpatterns = [
  path('', home, { name: 'home' }),
  path('journey/', journey, { name: 'journey' }),
  path('showcase/', include(showcaseUrls, { namespace: 'showcase' })),
];
