/**
 * ValidationError (Django's `django.core.exceptions.ValidationError`): what field cleaning,
 * validators and a form's `clean()` throw; each message becomes an entry in `form.errors`.
 * @module
 */

/**
 * One or more validation messages, with a code naming the rule (`required`, `max_length`...).
 *
 * @example
 * ```ts
 * throw new ValidationError('Passwords do not match.', 'password_mismatch');
 * ```
 */
export class ValidationError extends Error {
  /** The messages (one per problem). */
  readonly messages: readonly string[];
  /** The rule that failed, for tests and custom messages. */
  readonly code: string;

  constructor(messages: string | readonly string[], code = 'invalid') {
    const list = typeof messages === 'string' ? [messages] : messages;
    super(list.join(' '));
    this.name = 'ValidationError';
    this.messages = list;
    this.code = code;
  }
}

/**
 * Fills `{name}` placeholders of a message from `params` (Django's `%(name)s`).
 *
 * @example
 * ```ts
 * formatMessage('Ensure this value is less than or equal to {limitValue}.', { limitValue: 5 });
 * ```
 */
export function formatMessage(message: string, params: Readonly<Record<string, unknown>>): string {
  return message.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

/** `word` or its plural for `count` (English; Django uses ngettext). */
export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
