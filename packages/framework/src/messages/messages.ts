/**
 * The messages framework (Django's `django.contrib.messages`): one-time notices ("Saved.")
 * added while handling one request and shown on the next page, typically after a redirect.
 * They are kept in the session (so with the signed-cookie engine, in the signed cookie), and
 * consumed when iterated: a message is shown once.
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import { escapeHtml } from '../utils/html.js';

/**
 * The levels, Django's numbers (a custom level is any integer).
 *
 * @example
 * ```ts
 * defineSettings({ MESSAGE_LEVEL: MESSAGE_LEVELS.debug }); // keep debug messages too
 * ```
 */
export const MESSAGE_LEVELS = { debug: 10, info: 20, success: 25, warning: 30, error: 40 } as const;

/** A level's name. */
export type MessageLevelName = keyof typeof MESSAGE_LEVELS;

const TAGS = new Map<number, string>(Object.entries(MESSAGE_LEVELS).map(([name, level]) => [level, name]));

/** Where the messages wait in the session (Django's cookie and session storages use the same name). */
const SESSION_KEY = '_messages';

/** As stored: [level, text, extraTags]. */
type StoredMessage = [number, string, string];

/**
 * One message: its level, text and tags (for CSS classes).
 *
 * @example
 * ```ts
 * for (const m of messages.get(request)) console.log(m.levelTag, m.message); // 'success' 'Saved.'
 * ```
 */
export class Message {
  constructor(
    /** The numeric level (see {@link MESSAGE_LEVELS}). */
    readonly level: number,
    /** The text (plain text: templates escape it). */
    readonly message: string,
    /** Extra space-separated tags given when it was added. */
    readonly extraTags = '',
  ) {}

  /** The level's name (`success`), or '' for a custom level. */
  get levelTag(): string {
    return TAGS.get(this.level) ?? '';
  }

  /** Extra tags then the level tag, space-separated: a ready `class` attribute. */
  get tags(): string {
    return [this.extraTags, this.levelTag].filter(Boolean).join(' ');
  }

  toString(): string {
    return this.message;
  }
}

/**
 * The messages waiting for a request: iterating takes them out of the session (shown once);
 * iterating again gives the same ones. `length` looks without consuming. Templates rendered
 * with `render()` get one as `it.messages`.
 *
 * @example
 * ```ts
 * // base.html: the ready list...
 * <%~ it.messages.html() %>
 * // ...or your own markup (<%= %> escapes):
 * <% for (const m of it.messages) { %><p class="alert <%= m.tags %>"><%= m.message %></p><% } %>
 * ```
 */
export class MessageList implements Iterable<Message> {
  readonly #request: HttpRequest;
  readonly #seen: Message[] = [];

  constructor(request: HttpRequest) {
    this.#request = request;
  }

  /** How many messages there are, without consuming them. */
  get length(): number {
    return this.#seen.length + stored(this.#request).length;
  }

  *[Symbol.iterator](): Iterator<Message> {
    const session = this.#request.session;
    const waiting = stored(this.#request);
    if (waiting.length > 0) {
      session.delete(SESSION_KEY);
      for (const [level, text, extraTags] of waiting) this.#seen.push(new Message(level, text, extraTags));
    }
    yield* this.#seen;
  }

  /**
   * The messages as `<ul class="messages"><li class="success">Saved.</li></ul>` ('' when there
   * are none), consuming them. Texts and tags are HTML-escaped: a message quoting user input
   * cannot inject markup. Print it raw: `<%~ it.messages.html() %>`.
   */
  html(): string {
    const items: string[] = [];
    for (const m of this) {
      const tags = m.tags;
      items.push(`  <li${tags ? ` class="${escapeHtml(tags)}"` : ''}>${escapeHtml(m.message)}</li>\n`);
    }
    return items.length === 0 ? '' : `<ul class="messages">\n${items.join('')}</ul>`;
  }
}

/**
 * Adds a message for the next page the client sees. Below MESSAGE_LEVEL (default info) it is
 * dropped, so debug messages appear only when MESSAGE_LEVEL is lowered.
 *
 * @example
 * ```ts
 * addMessage(request, 'warning', 'Your card expires soon.');
 * addMessage(request, MESSAGE_LEVELS.error, 'Payment failed.', 'sticky');
 * ```
 */
export function addMessage(request: HttpRequest, level: MessageLevelName | number, message: string, extraTags = ''): void {
  const value = typeof level === 'number' ? level : MESSAGE_LEVELS[level];
  if (!Number.isInteger(value)) throw new TypeError(`addMessage: unknown level ${JSON.stringify(level)} (use ${Object.keys(MESSAGE_LEVELS).join(', ')} or an integer)`);
  if (value < request.settings.MESSAGE_LEVEL) return;
  request.session.set(SESSION_KEY, [...stored(request), [value, String(message), extraTags] satisfies StoredMessage]);
}

/**
 * The messages waiting for this request (consumed when iterated).
 *
 * @example
 * ```ts
 * const notices = [...getMessages(request)].map((m) => m.message);
 * ```
 */
export function getMessages(request: HttpRequest): MessageList {
  return new MessageList(request);
}

function stored(request: HttpRequest): StoredMessage[] {
  const value = request.session.get<unknown>(SESSION_KEY);
  if (!Array.isArray(value)) return [];
  // Only well-formed entries: the session may hold data from an older version.
  return value.filter((m): m is StoredMessage => Array.isArray(m) && typeof m[0] === 'number' && typeof m[1] === 'string' && typeof m[2] === 'string');
}

const at = (level: MessageLevelName) => (request: HttpRequest, message: string, extraTags?: string) => addMessage(request, level, message, extraTags);

/**
 * Django's `messages` module in one object: `add(request, level, text)`, one helper per level,
 * and `get(request)`. Templates rendered with `render()` see them as `it.messages` (a
 * {@link MessageList}: iterate it, or print `it.messages.html()`).
 *
 * @example
 * ```ts
 * import { messages, redirect } from 'tsgi-framework';
 * export const save = async (request: HttpRequest) => {
 *   messages.success(request, 'Profile saved.');
 *   return redirect('profile');
 * };
 * // profile.html: <%~ it.messages.html() %>
 * ```
 */
export const messages = {
  add: addMessage,
  get: getMessages,
  debug: at('debug'),
  info: at('info'),
  success: at('success'),
  warning: at('warning'),
  error: at('error'),
  levels: MESSAGE_LEVELS,
} as const;
