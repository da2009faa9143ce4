/**
 * The showcase's feedback form (Django's forms.py): typed fields, Django's messages, a file
 * field whose limits apply while the upload streams (a file over 5 MB stops being written at
 * 5 MB and the field says so).
 */
import { BooleanField, CharField, ChoiceField, EmailField, FileField, IntegerField, defineForm } from 'tsgi-framework';

const fields = {
  name: new CharField({ maxLength: 50 }),
  email: new EmailField({ helpText: 'Only to answer you.' }),
  age: new IntegerField({ required: false, minValue: 0, maxValue: 150 }),
  topic: new ChoiceField({ choices: [['question', 'A question'], ['bug', 'A bug'], ['idea', 'An idea']] }),
  message: new CharField({ widget: 'textarea', maxLength: 2000 }),
  attachment: new FileField({ required: false, maxSize: 5 * 1024 * 1024, contentTypes: ['image/*', 'text/plain', 'application/pdf'], helpText: 'An image, text or PDF, at most 5 MB.' }),
  subscribe: new BooleanField({ required: false, label: 'Send me news' }),
};

/** What a visitor sends from /showcase/feedback/. */
export class FeedbackForm extends defineForm(fields) {}
