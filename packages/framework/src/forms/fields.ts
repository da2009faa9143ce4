/**
 * The field types (Django's `django.forms.fields`), with Django's default messages in English.
 * An optional field left empty cleans to '' (text fields), [] (multiple choice), false
 * (boolean) or null (the others), and `cleanedData`'s type says so.
 * @module
 */
import { domainToASCII } from 'node:url';
import { typeAllowed, UploadedFile, type FileLimit, type RejectedUpload } from '../http/multipart.js';
import { escapeHtml } from '../utils/html.js';
import { renderAttrs } from './html.js';
import { Field, renderInput, renderSelect, type FieldOptions, type FormSource, type RawValue, type WidgetContext } from './field.js';
import { plural } from './validation-error.js';

/** The cleaned type of a field that may be left empty (`required: false`): `T | null`. */
type Maybe<T, R extends boolean> = R extends false ? T | null : T;

/** A single string from a raw value (the last of several). */
function text(raw: RawValue): string | undefined {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return raw.at(-1) as string | undefined;
  return undefined;
}

/** Options of {@link CharField}. */
export interface CharFieldOptions extends FieldOptions<string> {
  maxLength?: number;
  minLength?: number;
  /** Trim surrounding whitespace first. Default true. */
  strip?: boolean;
  /** `text` (default), `textarea`, `password` (never re-rendered) or `hidden`. */
  widget?: 'text' | 'textarea' | 'password' | 'hidden';
}

/**
 * Text. Cleans to a string ('' when optional and empty).
 *
 * @example
 * ```ts
 * name: new CharField({ maxLength: 100, helpText: 'As on your passport.' })
 * ```
 */
export class CharField extends Field<string, string> {
  readonly maxLength: number | null;
  readonly minLength: number | null;
  readonly strip: boolean;
  readonly kind: NonNullable<CharFieldOptions['widget']>;

  constructor(options: CharFieldOptions = {}, messages: Readonly<Record<string, string>> = {}) {
    super(options, {
      max_length: 'Ensure this value has at most {limitValue} {characters} (it has {showValue}).',
      min_length: 'Ensure this value has at least {limitValue} {characters} (it has {showValue}).',
      null_characters_not_allowed: 'Null characters are not allowed.',
      ...messages,
    });
    this.maxLength = options.maxLength ?? null;
    this.minLength = options.minLength ?? null;
    this.strip = options.strip ?? true;
    this.kind = options.widget ?? 'text';
  }

  protected toValue(raw: RawValue): string | null {
    let value = text(raw) ?? '';
    if (this.strip) value = value.trim();
    return value === '' ? null : value;
  }

  protected override emptyValue(): string {
    return '';
  }

  protected override check(value: string): void {
    if (value.includes('\0')) throw this.error('null_characters_not_allowed');
    // Lengths in code points, as Python's len().
    const length = [...value].length;
    if (this.maxLength !== null && length > this.maxLength) {
      throw this.error('max_length', { limitValue: this.maxLength, showValue: length, characters: plural(this.maxLength, 'character', 'characters') });
    }
    if (this.minLength !== null && length < this.minLength) {
      throw this.error('min_length', { limitValue: this.minLength, showValue: length, characters: plural(this.minLength, 'character', 'characters') });
    }
  }

  override widgetAttrs() {
    return { ...super.widgetAttrs(), maxlength: this.maxLength, minlength: this.minLength };
  }

  widget(context: WidgetContext): string {
    if (this.kind === 'textarea') {
      // The newline after the tag: HTML drops one leading newline of a textarea's content.
      return `<textarea${renderAttrs({ name: context.name, cols: 40, rows: 10, ...context.attrs, id: context.id })}>\n${escapeHtml(this.format(context.value))}</textarea>`;
    }
    return renderInput(this.kind, context, this, this.kind !== 'password');
  }
}

// Django's EmailValidator, in short: a dot-atom local part, a domain of LDH labels (IDNs through
// punycode) with an alphabetic TLD. Quoted local parts and IP literals are refused.
const EMAIL_USER = /^[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*$/;
const EMAIL_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i;

/**
 * An email address ("Enter a valid email address."); at most 320 characters by default.
 *
 * @example
 * ```ts
 * email: new EmailField({ helpText: 'We never share it.' })
 * ```
 */
export class EmailField extends CharField {
  constructor(options: Omit<CharFieldOptions, 'widget'> = {}) {
    super({ maxLength: 320, ...options }, { invalid: 'Enter a valid email address.' });
  }

  protected override check(value: string): void {
    super.check(value);
    const at = value.lastIndexOf('@');
    const user = value.slice(0, at);
    const domain = at > 0 ? domainToASCII(value.slice(at + 1)) : '';
    if (at <= 0 || !EMAIL_USER.test(user) || domain === '' || !EMAIL_DOMAIN.test(domain)) throw this.error('invalid');
  }

  override widget(context: WidgetContext): string {
    return renderInput('email', context, this);
  }
}

/** Options of {@link IntegerField}. */
export interface IntegerFieldOptions<R extends boolean> extends FieldOptions<number> {
  required?: R;
  minValue?: number;
  maxValue?: number;
}

const RANGE_MESSAGES = {
  max_value: 'Ensure this value is less than or equal to {limitValue}.',
  min_value: 'Ensure this value is greater than or equal to {limitValue}.',
};

/**
 * A whole number ("Enter a whole number."): a safe integer (`Number.isSafeInteger`).
 *
 * @example
 * ```ts
 * age: new IntegerField({ minValue: 0, maxValue: 150, required: false }) // number | null
 * ```
 */
export class IntegerField<R extends boolean = true> extends Field<number, Maybe<number, R>> {
  readonly minValue: number | null;
  readonly maxValue: number | null;

  constructor(options: IntegerFieldOptions<R> = {}) {
    super(options, { invalid: 'Enter a whole number.', ...RANGE_MESSAGES });
    this.minValue = options.minValue ?? null;
    this.maxValue = options.maxValue ?? null;
  }

  protected toValue(raw: RawValue): number | null {
    const value = (text(raw) ?? '').trim();
    if (value === '') return null;
    // Django accepts "12.0" (a float with no fraction) as 12.
    if (!/^[+-]?\d+(\.0*)?$/.test(value)) throw this.error('invalid');
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw this.error('invalid');
    return n;
  }

  protected override check(value: number): void {
    if (this.maxValue !== null && value > this.maxValue) throw this.error('max_value', { limitValue: this.maxValue });
    if (this.minValue !== null && value < this.minValue) throw this.error('min_value', { limitValue: this.minValue });
  }

  override widgetAttrs() {
    return { ...super.widgetAttrs(), min: this.minValue, max: this.maxValue };
  }

  widget(context: WidgetContext): string {
    return renderInput('number', context, this);
  }
}

/** Options of {@link DecimalField}. */
export interface DecimalFieldOptions<R extends boolean> extends FieldOptions<string> {
  required?: R;
  maxDigits?: number;
  decimalPlaces?: number;
  minValue?: number;
  maxValue?: number;
}

/**
 * An exact decimal number, cleaned to its canonical string (`'0012.50'` -> `'12.50'`): JavaScript
 * has no decimal type, and a float would lose cents. Digits are counted as Django does.
 *
 * @example
 * ```ts
 * price: new DecimalField({ maxDigits: 8, decimalPlaces: 2, minValue: 0 }) // '19.99'
 * ```
 */
export class DecimalField<R extends boolean = true> extends Field<string, Maybe<string, R>> {
  readonly maxDigits: number | null;
  readonly decimalPlaces: number | null;
  readonly minValue: number | null;
  readonly maxValue: number | null;

  constructor(options: DecimalFieldOptions<R> = {}) {
    super(options, {
      invalid: 'Enter a number.',
      ...RANGE_MESSAGES,
      max_digits: 'Ensure that there are no more than {max} {digits} in total.',
      max_decimal_places: 'Ensure that there are no more than {max} decimal {places}.',
      max_whole_digits: 'Ensure that there are no more than {max} {digits} before the decimal point.',
    });
    this.maxDigits = options.maxDigits ?? null;
    this.decimalPlaces = options.decimalPlaces ?? null;
    this.minValue = options.minValue ?? null;
    this.maxValue = options.maxValue ?? null;
  }

  protected toValue(raw: RawValue): string | null {
    const value = (text(raw) ?? '').trim();
    if (value === '') return null;
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
    if (m === null || ((m[2] as string) === '' && !m[3])) throw this.error('invalid');
    const sign = m[1] === '-' ? '-' : '';
    const whole = (m[2] as string).replace(/^0+(?=\d)/, '') || '0';
    const fraction = m[3] ?? '';
    return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
  }

  protected override check(value: string): void {
    const n = Number(value);
    if (this.maxValue !== null && n > this.maxValue) throw this.error('max_value', { limitValue: this.maxValue });
    if (this.minValue !== null && n < this.minValue) throw this.error('min_value', { limitValue: this.minValue });
    const [whole = '', fraction = ''] = value.replace(/^-/, '').split('.');
    // Django's DecimalValidator: significant digits of the coefficient, places = the exponent.
    const coefficient = `${whole}${fraction}`.replace(/^0+/, '') || '0';
    const decimals = fraction.length;
    const digits = Math.max(coefficient.length, decimals);
    const wholeDigits = digits - decimals;
    if (this.maxDigits !== null && digits > this.maxDigits) throw this.error('max_digits', { max: this.maxDigits, digits: plural(this.maxDigits, 'digit', 'digits') });
    if (this.decimalPlaces !== null && decimals > this.decimalPlaces) throw this.error('max_decimal_places', { max: this.decimalPlaces, places: plural(this.decimalPlaces, 'place', 'places') });
    if (this.maxDigits !== null && this.decimalPlaces !== null && wholeDigits > this.maxDigits - this.decimalPlaces) {
      const max = this.maxDigits - this.decimalPlaces;
      throw this.error('max_whole_digits', { max, digits: plural(max, 'digit', 'digits') });
    }
  }

  override widgetAttrs() {
    const step = this.decimalPlaces === null ? 'any' : this.decimalPlaces === 0 ? '1' : `0.${'0'.repeat(this.decimalPlaces - 1)}1`;
    return { ...super.widgetAttrs(), min: this.minValue, max: this.maxValue, step };
  }

  widget(context: WidgetContext): string {
    return renderInput('number', context, this);
  }
}

/** `[value, label]` pairs. */
export type Choices<C extends string> = readonly (readonly [C, string])[];

/** Options of {@link ChoiceField}. */
export interface ChoiceFieldOptions<C extends string, R extends boolean> extends FieldOptions<C> {
  required?: R;
  choices: Choices<C>;
}

const INVALID_CHOICE = 'Select a valid choice. {value} is not one of the available choices.';

/**
 * One of `choices`, rendered as a `<select>`; the cleaned type is the union of the values.
 *
 * @example
 * ```ts
 * size: new ChoiceField({ choices: [['s', 'Small'], ['m', 'Medium']] }) // 's' | 'm'
 * ```
 */
export class ChoiceField<const C extends string = string, R extends boolean = true> extends Field<C, Maybe<C, R>> {
  readonly choices: Choices<C>;

  constructor(options: ChoiceFieldOptions<C, R>) {
    super(options, { invalid_choice: INVALID_CHOICE });
    this.choices = options.choices;
  }

  protected toValue(raw: RawValue): C | null {
    const value = text(raw) ?? '';
    if (value === '') return null;
    if (!this.choices.some(([c]) => c === value)) throw this.error('invalid_choice', { value });
    return value as C;
  }

  widget(context: WidgetContext): string {
    return renderSelect(context, this.choices, [this.format(context.value)], false);
  }
}

/** Options of {@link MultipleChoiceField}. */
export interface MultipleChoiceFieldOptions<C extends string> extends FieldOptions<C[]> {
  choices: Choices<C>;
}

/**
 * Several of `choices` (`<select multiple>`); cleans to an array ([] when optional and empty).
 *
 * @example
 * ```ts
 * toppings: new MultipleChoiceField({ choices: [['ham', 'Ham'], ['egg', 'Egg']], required: false })
 * ```
 */
export class MultipleChoiceField<const C extends string = string> extends Field<C[], C[]> {
  readonly choices: Choices<C>;

  constructor(options: MultipleChoiceFieldOptions<C>) {
    super(options, { invalid_choice: INVALID_CHOICE, invalid_list: 'Enter a list of values.' });
    this.choices = options.choices;
  }

  override readRaw(source: FormSource, name: string): RawValue {
    return source.data.getAll(name);
  }

  protected toValue(raw: RawValue): C[] | null {
    if (raw === undefined) return null;
    if (!Array.isArray(raw)) throw this.error('invalid_list');
    const values = raw as readonly string[];
    if (values.length === 0) return null;
    for (const value of values) {
      if (!this.choices.some(([c]) => c === value)) throw this.error('invalid_choice', { value });
    }
    return values as C[];
  }

  protected override emptyValue(): C[] {
    return [];
  }

  widget(context: WidgetContext): string {
    const v = context.value;
    const selected = Array.isArray(v) ? (v as unknown[]).map(String) : v === undefined || v === null ? [] : [String(v)];
    return renderSelect(context, this.choices, selected, true);
  }
}

/**
 * A checkbox. Required (the default) means it must be checked, as in Django: use
 * `required: false` for an optional yes/no.
 *
 * @example
 * ```ts
 * subscribe: new BooleanField({ required: false }),
 * acceptTerms: new BooleanField({ label: 'I accept the terms' }),
 * ```
 */
export class BooleanField extends Field<boolean, boolean> {
  protected toValue(raw: RawValue): boolean {
    const value = text(raw);
    // A checkbox sends nothing when unchecked; Django also reads "false" and "0" as false.
    return !(value === undefined || value === '' || value.toLowerCase() === 'false' || value === '0');
  }

  protected override check(value: boolean): void {
    if (!value && this.required) throw this.error('required');
  }

  widget(context: WidgetContext): string {
    const v = context.value;
    const checked = typeof v === 'boolean' ? v : this.toValue(v as RawValue);
    return `<input${renderAttrs({ type: 'checkbox', name: context.name, checked, ...context.attrs, id: context.id })}>`;
  }
}

/** Options of {@link DateField}. */
export interface DateFieldOptions<R extends boolean> extends FieldOptions<Date> {
  required?: R;
}

/**
 * A calendar date: `YYYY-MM-DD` (what `<input type="date">` sends), `MM/DD/YYYY` or `MM/DD/YY`
 * (Django's default input formats). Cleans to a Date at UTC midnight: read it with `getUTC*()`
 * or `toISOString().slice(0, 10)`.
 *
 * @example
 * ```ts
 * birthday: new DateField({ required: false }) // Date | null
 * ```
 */
export class DateField<R extends boolean = true> extends Field<Date, Maybe<Date, R>> {
  constructor(options: DateFieldOptions<R> = {}) {
    super(options, { invalid: 'Enter a valid date.' });
  }

  protected toValue(raw: RawValue): Date | null {
    const value = (text(raw) ?? '').trim();
    if (value === '') return null;
    const date = parseDate(value);
    if (date === null) throw this.error('invalid');
    return date;
  }

  override format(value: unknown): string {
    return value instanceof Date ? value.toISOString().slice(0, 10) : super.format(value);
  }

  widget(context: WidgetContext): string {
    return renderInput('date', context, this);
  }
}

function parseDate(value: string): Date | null {
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  let year: number, month: number, day: number;
  if (m !== null) {
    [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})$/.exec(value)) !== null) {
    [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    // Python's %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
    if ((m[3] as string).length === 2) year += year >= 69 ? 1900 : 2000;
  } else {
    return null;
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 02-30 over to March: only an exact round trip is a real date.
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date;
}

/** Options of {@link FileField}. */
export interface FileFieldOptions<R extends boolean> extends Omit<FieldOptions<UploadedFile>, 'initial'> {
  required?: R;
  /** Largest file in bytes, enforced while the upload streams (see `limitUploads`). */
  maxSize?: number;
  /** Accepted Content-Types (`image/png`, `image/*`), enforced while streaming; also the input's `accept`. */
  contentTypes?: readonly string[];
  /** Longest file name. */
  maxLength?: number;
  /** Accept a file of 0 bytes. Default false. */
  allowEmptyFile?: boolean;
}

/**
 * An uploaded file (`request.FILES`). `maxSize` and `contentTypes` are enforced while the body
 * streams in when the view declares them (FormView does; see `limitUploads`): a file over the
 * limit is never written to disk past it. The Content-Type is the one the browser declared:
 * check the content itself (magic bytes) in a validator when it matters.
 *
 * @example
 * ```ts
 * avatar: new FileField({ maxSize: 5 * 1024 * 1024, contentTypes: ['image/png', 'image/jpeg'] })
 * ```
 */
export class FileField<R extends boolean = true> extends Field<UploadedFile, Maybe<UploadedFile, R>> {
  readonly maxSize: number | null;
  readonly contentTypes: readonly string[] | null;
  readonly maxLength: number | null;
  readonly allowEmptyFile: boolean;

  constructor(options: FileFieldOptions<R> = {}) {
    super(options, {
      invalid: 'No file was submitted. Check the encoding type on the form.',
      missing: 'No file was submitted.',
      empty: 'The submitted file is empty.',
      max_length: 'Ensure this filename has at most {max} {characters} (it has {length}).',
      max_size: 'Ensure this file is at most {maxSize} (it is larger).',
      content_type: 'File type “{contentType}” is not allowed. Allowed types are: {allowed}.',
    });
    this.maxSize = options.maxSize ?? null;
    this.contentTypes = options.contentTypes ?? null;
    this.maxLength = options.maxLength ?? null;
    this.allowEmptyFile = options.allowEmptyFile ?? false;
  }

  override get needsMultipart(): boolean {
    return true;
  }

  /** The limits to enforce while streaming, or null when the field has none. */
  get uploadLimit(): FileLimit | null {
    if (this.maxSize === null && this.contentTypes === null) return null;
    return { maxSize: this.maxSize, contentTypes: this.contentTypes };
  }

  override readRaw(source: FormSource, name: string): RawValue {
    // A refused file wins over an accepted one of the same name: its error must show.
    return source.rejectedFiles.get(name) ?? source.files.get(name) ?? source.data.get(name);
  }

  protected toValue(raw: RawValue): UploadedFile | null {
    if (raw === undefined || raw === '') return null;
    if (typeof raw === 'string' || Array.isArray(raw)) throw this.error('invalid');
    if (!(raw instanceof UploadedFile)) throw this.#refused(raw as RejectedUpload);
    return raw;
  }

  #refused(rejected: Pick<RejectedUpload, 'reason' | 'contentType'>) {
    if (rejected.reason === 'size') return this.error('max_size', { maxSize: fileSizeFormat(this.maxSize ?? 0) });
    return this.error('content_type', { contentType: rejected.contentType, allowed: (this.contentTypes ?? []).join(', ') });
  }

  protected override check(file: UploadedFile): void {
    if (!file.name) throw this.error('invalid');
    const length = [...file.name].length;
    if (this.maxLength !== null && length > this.maxLength) throw this.error('max_length', { max: this.maxLength, length, characters: plural(this.maxLength, 'character', 'characters') });
    if (!this.allowEmptyFile && file.size === 0) throw this.error('empty');
    // Also checked here: a form bound to files parsed without the streaming limits.
    if (this.maxSize !== null && file.size > this.maxSize) throw this.#refused({ reason: 'size', contentType: file.contentType });
    if (!typeAllowed(file.contentType, this.contentTypes)) throw this.#refused({ reason: 'content-type', contentType: file.contentType });
  }

  override widgetAttrs() {
    return { ...super.widgetAttrs(), accept: this.contentTypes?.join(',') };
  }

  widget(context: WidgetContext): string {
    return renderInput('file', context, this, false);
  }
}

/**
 * A size as people read it (Django's `filesizeformat`): `'5.0 MB'`, `'300 bytes'`.
 *
 * @example
 * ```ts
 * fileSizeFormat(5 * 1024 * 1024); // '5.0 MB'
 * ```
 */
export function fileSizeFormat(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${plural(bytes, 'byte', 'bytes')}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
