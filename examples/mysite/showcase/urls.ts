/**
 * URLs of the showcase app, included by mysite/urls.ts under `showcase/` in namespace
 * `showcase` (so `reverse('showcase:api')` is `/showcase/api/`).
 */
import { path } from 'tsgi-framework';
import { chatPage, chatSocket } from './chat.js';
import { api, FeedbackView, form, go, index, item, upload } from './views.js';

export const urlpatterns = [
  path('', index, { name: 'index' }),
  path('form/', form, { name: 'form' }),
  path('upload/', upload, { name: 'upload' }),
  path('api/', api, { name: 'api' }),
  path('items/<int:id>/', item, { name: 'item' }),
  path('go/', go, { name: 'go' }),
  path('feedback/', FeedbackView.asView(), { name: 'feedback' }),
  path('chat/', chatPage, { name: 'chat' }),
  path('ws/chat/', chatSocket, { name: 'chat-socket' }),
];
