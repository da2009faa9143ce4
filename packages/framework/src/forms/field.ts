/**
 * The base of form fields (Django's `django.forms.Field`): read the submitted value, convert it
 * (`toValue`), check it (`check`, validators, a Standard Schema), render its widget.
 * @module
 */
import type { MultiValueDict } from '../http/multi-value-dict.js';
import type { FileLimit, RejectedUpload, UploadedFile } from '../http/multipart.js';
import { escapeHtml } from '../utils/html.js';
import { renderAttrs, type Attrs } from './html.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { formatMessage, ValidationError } from './validation-error.js';

/** What a field reads from a bound form: a string, several, or a file (or a file refused while streaming). */
export type RawValue = string | readonly string[] | UploadedFile | RejectedUpload | undefined;

/** Where a bound form's values come from. */
export interface FormSource {
  /** Form fields (`request.POST`). */
  readonly data: MultiValueDict<string>;
  /** Uploaded files (`request.FILES`). */
  readonly files: MultiValueDict<UploadedFile>;
  /** Files refused while streaming (`request.rejectedFiles`). */
  readonly rejectedFiles: MultiValueDict<RejectedUpload>;
}

/** A validator: throws a {@link ValidationError} (or returns its message) when the value is bad. */
export type Validator<T> = (value: T) => string | void | Promise<string | void>;

/** Options every field takes. */
export interface FieldOptions<T> {
  /** Empty is an error ("This field is required."). Default true. */
  required?: boolean;
  /** The label (default: from the field name, `firstName` -> "First name"). */
  label?: string;
  /** The value an unbound form shows. */
  initial?: T;
  /** Text shown under the input. */
  helpText?: string;
  /** Extra attributes of the input (`{ placeholder: 'you@example.com', class: 'wide' }`). */
  attrs?: Attrs;
  /** Messages replacing the defaults, by code (`{ required: 'Please enter your name.' }`). */
  errorMessages?: Readonly<Record<string, string>>;
  /** Extra checks on the converted value. */
  validators?: readonly Validator<T>[];
  /**
   * A Standard Schema (zod, valibot...) run on the converted value; its issues become the field's
   * errors and its output the cleaned value (so it must output the field's type).
   */
  schema?: StandardSchemaV1<T, T>;
}

/** What a widget renders with. */
export interface WidgetContext {
  /** The HTML name (with the form's prefix). */
  readonly name: string;
  /** The id attribute, or null. */
  readonly id: string | null;
  /** The value to show: as submitted for a bound form, else the initial value. */
  readonly value: RawValue | unknown;
  /** Attributes: the field's own (maxlength...), `required`, then `attrs`, then aria ones. */
  readonly attrs: Attrs;
}

const BASE_MESSAGES: Readonly<Record<string, string>> = { required: 'This field is required.' };

/**
 * A form field. `T` is the converted value, `Out` what `cleanedData` holds (`T | null` when the
 * field is optional and left empty).
 *
 * @example
 * ```ts
 * class SlugField extends CharField {
 *   protected override check(value: string) {
 *     super.check(value);
 *     if (!/^[-a-z0-9]+$/.test(value)) throw this.error('invalid');
 *   }
 * }
 * ```
 */
export abstract class Field<T, Out = T> {
  /** Type-only: the cleaned value's type (read by `CleanedData`). */
  declare readonly '~cleaned': Out;
  readonly required: boolean;
  readonly label: string | null;
  readonly initial: T | undefined;
  readonly helpText: string;
  readonly attrs: Attrs;
  readonly validators: readonly Validator<T>[];
  readonly schema: StandardSchemaV1<T, T> | null;
  readonly #messages: Readonly<Record<string, string>>;

  constructor(options: FieldOptions<T> = {}, messages: Readonly<Record<string, string>> = {}) {
    this.required = options.required ?? true;
    this.label = options.label ?? null;
    this.initial = options.initial;
    this.helpText = options.helpText ?? '';
    this.attrs = options.attrs ?? {};
    this.validators = options.validators ?? [];
    this.schema = options.schema ?? null;
    this.#messages = { ...BASE_MESSAGES, ...messages, ...options.errorMessages };
  }

  /** True when the form must be sent as multipart/form-data (file fields). */
  get needsMultipart(): boolean {
    return false;
  }

  /** The raw value of `name` in a bound form's data (the last one sent, as Django). */
  readRaw(source: FormSource, name: string): RawValue {
    return source.data.get(name);
  }

  /** Converts a raw value; null when empty. Throws ValidationError for a malformed one. */
  protected abstract toValue(raw: RawValue): T | null;

  /** Checks a converted value (lengths, ranges); throws ValidationError. */
  protected check(_value: T): void {}

  /** What `cleanedData` holds for an optional field left empty. */
  protected emptyValue(): Out {
    return null as Out;
  }

  /** Renders the input for `context`. */
  abstract widget(context: WidgetContext): string;

  /** The field's own input attributes (`maxlength`, `min`...), before `required` and `attrs`. */
  widgetAttrs(): Attrs {
    return {};
  }

  /** A ValidationError with the message for `code` (its `{placeholders}` filled from `params`). */
  error(code: string, params: Readonly<Record<string, unknown>> = {}): ValidationError {
    return new ValidationError(formatMessage(this.#messages[code] ?? code, params), code);
  }

  /**
   * Converts and validates a raw value: the cleaned value, or a ValidationError listing every
   * message.
   */
  async clean(raw: RawValue): Promise<Out> {
    const value = this.toValue(raw);
    if (value === null) {
      if (this.required) throw this.error('required');
      return this.emptyValue();
    }
    this.check(value);
    const messages: string[] = [];
    for (const validator of this.validators) {
      try {
        const message = await validator(value);
        if (typeof message === 'string') messages.push(message);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        messages.push(...error.messages);
      }
    }
    if (messages.length > 0) throw new ValidationError(messages);
    if (this.schema === null) return value as unknown as Out;
    const result = await this.schema['~standard'].validate(value);
    if (result.issues) throw new ValidationError(result.issues.map((i) => i.message), 'schema');
    return result.value as unknown as Out;
  }

  /** The value as an input shows it (unbound forms show `initial` through this). */
  format(value: unknown): string {
    if (value === null || value === undefined) return '';
    return typeof value === 'string' ? value : String(value);
  }
}

/**
 * What a form needs of a field, whatever its value type (a `Field<string>` and a
 * `Field<number>` both are one; the form table is a record of these).
 */
export interface FormField {
  readonly '~cleaned': unknown;
  readonly required: boolean;
  readonly label: string | null;
  readonly initial: unknown;
  readonly helpText: string;
  readonly attrs: Attrs;
  readonly needsMultipart: boolean;
  /** File fields: the limits enforced while the body streams in. */
  readonly uploadLimit?: FileLimit | null;
  readRaw(source: FormSource, name: string): RawValue;
  clean(raw: RawValue): Promise<unknown>;
  widget(context: WidgetContext): string;
  widgetAttrs(): Attrs;
  format(value: unknown): string;
}

/** `<input type=...>` with the value shown (unless `showValue` is false). */
export function renderInput(type: string, context: WidgetContext, field: Pick<FormField, 'format'>, showValue = true): string {
  const value = showValue ? field.format(context.value) : '';
  return `<input${renderAttrs({ type, name: context.name, value: value === '' ? null : value, ...context.attrs, id: context.id })}>`;
}

/** `<select>` of `choices`, the ones in `selected` marked. */
export function renderSelect(context: WidgetContext, choices: readonly (readonly [string, string])[], selected: readonly string[], multiple: boolean): string {
  const options = choices
    .map(([value, label]) => `<option${renderAttrs({ value, selected: selected.includes(value) })}>${escapeHtml(label)}</option>`)
    .join('');
  return `<select${renderAttrs({ name: context.name, ...context.attrs, multiple, id: context.id })}>${options}</select>`;
}
