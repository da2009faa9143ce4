/**
 * Forms (Django's `django.forms.Form`): a table of fields, bound to submitted data, validated
 * (`await form.isValid()`), with `errors`, typed `cleanedData`, a `clean()` hook for rules across
 * fields, an optional Standard Schema for the whole form, and HTML rendering where every value and
 * message is escaped.
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import { MultiValueDict } from '../http/multi-value-dict.js';
import type { RejectedUpload, UploadedFile, UploadLimits } from '../http/multipart.js';
import type { View } from '../core/types.js';
import { escapeHtml } from '../utils/html.js';
import type { FormField, FormSource } from './field.js';
import { renderAttrs, renderErrorList } from './html.js';
import { issueField, type StandardSchemaV1 } from './standard-schema.js';
import { ValidationError } from './validation-error.js';

/** A form's field table: name -> field. */
export type Fields = Readonly<Record<string, FormField>>;

/** The type of `cleanedData`, derived from the field table. */
export type CleanedData<F extends Fields> = { -readonly [K in keyof F]: F[K]['~cleaned'] };

/** The `errors` key of errors that belong to no field (Django's NON_FIELD_ERRORS). */
export const NON_FIELD_ERRORS = '__all__';

/** Submitted values: a QueryDict (`request.POST`) or a plain record. */
export type FormInput = MultiValueDict<string> | Readonly<Record<string, string | readonly string[]>>;

/** How a form is made. Passing `data` (even empty) makes it bound. */
export interface FormOptions<F extends Fields = Fields> {
  /** Submitted fields (`request.POST`). */
  data?: FormInput;
  /** Uploaded files (`request.FILES`). */
  files?: MultiValueDict<UploadedFile>;
  /** Files refused while streaming (`request.rejectedFiles`): they get their field's error. */
  rejectedFiles?: MultiValueDict<RejectedUpload>;
  /** Values an unbound form shows, over the fields' own `initial`. */
  initial?: { [K in keyof F]?: unknown };
  /** Prefix of the HTML names (`prefix-name`), for several forms in one `<form>`. */
  prefix?: string;
  /** The id pattern (`{name}` is the HTML name); false for no ids. Default `id_{name}`. */
  autoId?: string | false;
  /** After each label. Default `:`. */
  labelSuffix?: string;
}

/** Options of {@link defineForm}. */
export interface DefineFormOptions {
  /**
   * A Standard Schema run on the whole `cleanedData` once every field is valid: issues whose path
   * starts with a field name go to that field, the others are non-field errors.
   */
  schema?: StandardSchemaV1 | null;
}

/** A form class made by {@link defineForm} (or a subclass of one). */
export interface FormClass<F extends Fields = Fields, T extends Form<F> = Form<F>> {
  new (options?: FormOptions<F>): T;
  readonly fields: F;
  readonly schema: StandardSchemaV1 | null;
}

/**
 * A form. Declare one with {@link defineForm}; the class holds the field table, instances the
 * data. Validation is async (validators and schemas may be), so it is `await form.isValid()`.
 *
 * @example
 * ```ts
 * class ContactForm extends defineForm({
 *   name: new CharField({ maxLength: 100 }),
 *   email: new EmailField(),
 * }) {}
 * const form = new ContactForm({ data: request.POST });
 * if (await form.isValid()) form.cleanedData.email; // string
 * ```
 */
export class Form<F extends Fields = Fields> {
  /** The field table (shared by all instances of the class). */
  readonly fields: F;
  /** True when made with `data`: it can be validated and re-renders what was sent. */
  readonly isBound: boolean;
  readonly prefix: string | null;
  readonly autoId: string | false;
  readonly labelSuffix: string;
  readonly initial: { readonly [K in keyof F]?: unknown };
  readonly #source: FormSource;
  readonly #schema: StandardSchemaV1 | null;
  #errors: Record<string, string[]> | null = null;
  #cleaned: Partial<CleanedData<F>> = {};
  #validation: Promise<boolean> | null = null;

  constructor(options: FormOptions<F> = {}) {
    const Class = this.constructor as Partial<FormClass<F>>;
    if (Class.fields === undefined) throw new TypeError(`${this.constructor.name} has no field table: declare the form with defineForm({ ... }).`);
    this.fields = Class.fields;
    this.#schema = Class.schema ?? null;
    this.isBound = options.data !== undefined || options.files !== undefined;
    this.prefix = options.prefix ?? null;
    this.autoId = options.autoId ?? 'id_{name}';
    this.labelSuffix = options.labelSuffix ?? ':';
    this.initial = options.initial ?? {};
    this.#source = {
      data: toMultiValueDict(options.data),
      files: options.files ?? new MultiValueDict(),
      rejectedFiles: options.rejectedFiles ?? new MultiValueDict(),
    };
    if (!this.isBound) this.#errors = {};
  }

  /**
   * Cleans every field, then the whole-form schema, then {@link clean}; true when nothing failed.
   * An unbound form is never valid. Runs once: later calls give the same answer.
   */
  isValid(): Promise<boolean> {
    if (!this.isBound) return Promise.resolve(false);
    this.#validation ??= this.#fullClean();
    return this.#validation;
  }

  async #fullClean(): Promise<boolean> {
    this.#errors = {};
    for (const [name, field] of Object.entries(this.fields)) {
      try {
        (this.#cleaned as Record<string, unknown>)[name] = await field.clean(field.readRaw(this.#source, this.htmlName(name)));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        this.addError(name, error);
      }
    }
    if (this.#schema !== null && Object.keys(this.#errors).length === 0) {
      const result = await this.#schema['~standard'].validate(this.#cleaned);
      if (result.issues) {
        for (const issue of result.issues) {
          const name = issueField(issue);
          this.addError(name !== null && name in this.fields ? name : null, issue.message);
        }
      } else {
        this.#cleaned = result.value as Partial<CleanedData<F>>;
      }
    }
    try {
      await this.clean(this.#cleaned);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.addError(null, error);
    }
    return Object.keys(this.#errors).length === 0;
  }

  /**
   * Cross-field validation, run after the fields: read the fields that cleaned in `data` (a
   * failed field is missing), change values in place, and report with {@link addError} or by
   * throwing a ValidationError (a non-field error).
   *
   * @example
   * ```ts
   * override clean(data: Partial<CleanedData<typeof fields>>) {
   *   if (data.password !== data.confirm) this.addError('confirm', 'Passwords do not match.');
   * }
   * ```
   */
  clean(_data: Partial<CleanedData<F>>): void | Promise<void> {}

  /**
   * Adds an error to `field` (null: a non-field error) and drops the field from `cleanedData`.
   */
  addError(field: (keyof F & string) | null, error: string | ValidationError): void {
    if (this.#errors === null) this.#errors = {};
    const key = field ?? NON_FIELD_ERRORS;
    const messages = typeof error === 'string' ? [error] : error.messages;
    (this.#errors[key] ??= []).push(...messages);
    if (field !== null) delete (this.#cleaned as Record<string, unknown>)[field];
  }

  /** Messages by field name (non-field ones under `__all__`). Bound forms: after `isValid()`. */
  get errors(): Readonly<Record<string, readonly string[]>> {
    if (this.#errors === null) throw new Error('form.errors is known once the form is validated: call `await form.isValid()` first.');
    return this.#errors;
  }

  /** The errors of no field (from `clean()` or the form's schema). */
  nonFieldErrors(): readonly string[] {
    return this.errors[NON_FIELD_ERRORS] ?? [];
  }

  /** The cleaned values, typed from the field table. Only for a valid form. */
  get cleanedData(): CleanedData<F> {
    if (this.#validation === null || this.#errors === null || Object.keys(this.#errors).length > 0) {
      throw new Error('form.cleanedData is only there for a valid form: check `await form.isValid()` first.');
    }
    return this.#cleaned as CleanedData<F>;
  }

  /** True when a file field needs `enctype="multipart/form-data"`. */
  get isMultipart(): boolean {
    return Object.values(this.fields).some((f) => f.needsMultipart);
  }

  /** `name` with the form's prefix, as in the HTML. */
  htmlName(name: string): string {
    return this.prefix ? `${this.prefix}-${name}` : name;
  }

  /** One field, to render piece by piece in a template (`form.field('email').widget()`). */
  field(name: keyof F & string): BoundField {
    const field = this.fields[name];
    if (field === undefined) throw new Error(`${this.constructor.name} has no field ${JSON.stringify(name)}.`);
    return new BoundField(this, name, field, this.#source);
  }

  /** Every field, in declaration order. */
  boundFields(): BoundField[] {
    return Object.keys(this.fields).map((name) => this.field(name));
  }

  /** `<ul class="errorlist nonfield">`, or ''. */
  nonFieldErrorList(): string {
    return renderErrorList(this.nonFieldErrors(), {}, true);
  }

  /** The whole form as `<div>`s (Django's `as_div`): non-field errors, then each field. */
  asDiv(): string {
    return [this.nonFieldErrorList(), ...this.boundFields().map((f) => f.asDiv())].filter(Boolean).join('\n');
  }

  /** The whole form as `<p>`s (Django's `as_p`). */
  asP(): string {
    return [this.nonFieldErrorList(), ...this.boundFields().map((f) => f.asP())].filter(Boolean).join('\n');
  }

  /** {@link asDiv}. */
  toString(): string {
    return this.asDiv();
  }
}

/**
 * One field of one form, for templates: label, input, errors, help text, each as escaped HTML.
 *
 * @example
 * ```html
 * <% const f = it.form.field('email') %>
 * <%~ f.labelTag() %> <%~ f.errorList() %> <%~ f.widget() %>
 * ```
 */
export class BoundField {
  readonly form: Form;
  /** The name in the field table. */
  readonly name: string;
  readonly field: FormField;
  readonly #source: FormSource;

  constructor(form: Form<Fields>, name: string, field: FormField, source: FormSource) {
    this.form = form;
    this.name = name;
    this.field = field;
    this.#source = source;
  }

  /** The HTML name (with the form's prefix). */
  get htmlName(): string {
    return this.form.htmlName(this.name);
  }

  /** The id attribute, or null when the form has `autoId: false`. */
  get id(): string | null {
    return this.form.autoId === false ? null : this.form.autoId.replace('{name}', this.htmlName);
  }

  /** The label text. */
  get label(): string {
    return this.field.label ?? prettyName(this.name);
  }

  /** This field's messages. */
  get errors(): readonly string[] {
    return this.form.errors[this.name] ?? [];
  }

  /** What the input shows: the submitted value when bound, else the initial value. */
  get value(): unknown {
    if (this.form.isBound) return this.field.readRaw(this.#source, this.htmlName);
    return this.form.initial[this.name] ?? this.field.initial;
  }

  /** `<label for="id_name">Name:</label>`. */
  labelTag(): string {
    return `<label${renderAttrs({ for: this.id })}>${escapeHtml(this.label)}${escapeHtml(this.form.labelSuffix)}</label>`;
  }

  /** The input, with the value shown and `aria-invalid` / `aria-describedby` when it has errors. */
  widget(): string {
    const id = this.id;
    const described = [this.errors.length > 0 && id ? `${id}_error` : null, this.field.helpText && id ? `${id}_helptext` : null].filter(Boolean).join(' ');
    return this.field.widget({
      name: this.htmlName,
      id,
      value: this.value,
      attrs: { ...this.field.widgetAttrs(), required: this.field.required, ...this.field.attrs, 'aria-invalid': this.errors.length > 0 ? 'true' : null, 'aria-describedby': described || null },
    });
  }

  /** `<ul class="errorlist">` of this field's messages, or ''. */
  errorList(): string {
    return renderErrorList(this.errors, { id: this.id ? `${this.id}_error` : null });
  }

  /** `<div class="helptext">`, or ''. */
  helpTextHtml(): string {
    if (!this.field.helpText) return '';
    return `<div${renderAttrs({ class: 'helptext', id: this.id ? `${this.id}_helptext` : null })}>${escapeHtml(this.field.helpText)}</div>`;
  }

  /** Label, help text, errors and input in a `<div>` (Django's div.html). */
  asDiv(): string {
    return `<div>${this.labelTag()}${this.helpTextHtml()}${this.errorList()}${this.widget()}</div>`;
  }

  /** Errors, then label, input and help text in a `<p>` (Django's p.html). */
  asP(): string {
    return `${this.errorList()}<p>${this.labelTag()} ${this.widget()}${this.helpTextHtml()}</p>`;
  }

  /** The input ({@link widget}). */
  toString(): string {
    return this.widget();
  }
}

/**
 * Declares a form class from its field table (and optionally a Standard Schema for the whole
 * form). Extend the result to add a `clean()` hook.
 *
 * @example
 * ```ts
 * class SignupForm extends defineForm({
 *   email: new EmailField(),
 *   password: new CharField({ widget: 'password', minLength: 8 }),
 *   confirm: new CharField({ widget: 'password' }),
 * }) {
 *   override clean(data: Partial<{ password: string; confirm: string }>) {
 *     if (data.password !== data.confirm) this.addError('confirm', 'Passwords do not match.');
 *   }
 * }
 * ```
 */
export function defineForm<F extends Fields>(fields: F, options: DefineFormOptions = {}): FormClass<F> {
  return class extends Form<F> {
    static readonly fields = fields;
    static readonly schema = options.schema ?? null;
  };
}

/**
 * Loads the request body and binds a form to it (`request.POST`, `request.FILES` and the files
 * refused while streaming): Django's `MyForm(request.POST, request.FILES)`.
 *
 * @example
 * ```ts
 * const form = await bindForm(ContactForm, request);
 * if (await form.isValid()) { ... }
 * ```
 */
export async function bindForm<F extends Fields, T extends Form<F>>(Class: FormClass<F, T>, request: HttpRequest, options: Omit<FormOptions<F>, 'data' | 'files' | 'rejectedFiles'> = {}): Promise<T> {
  await request.load();
  return new Class({ ...options, data: request.POST, files: request.FILES, rejectedFiles: request.rejectedFiles });
}

/**
 * The file limits of a form's file fields, by HTML name (what a view's `uploadLimits` holds).
 *
 * @example
 * ```ts
 * uploadLimitsOf(AvatarForm); // { avatar: { maxSize: 5242880, contentTypes: ['image/png'] } }
 * ```
 */
export function uploadLimitsOf(Class: FormClass<Fields, Form<Fields>>, prefix: string | null = null): UploadLimits {
  const limits: Record<string, NonNullable<FormField['uploadLimit']>> = {};
  for (const [name, field] of Object.entries(Class.fields)) {
    if (field.uploadLimit) limits[prefix ? `${prefix}-${name}` : name] = field.uploadLimit;
  }
  return limits;
}

/**
 * Makes a function view enforce a form's file limits while the body streams in, so a file over
 * its field's `maxSize` is never written to disk past it (FormView does this by itself). Sets
 * the view's `uploadLimits` and returns it.
 *
 * @example
 * ```ts
 * path('avatar/', limitUploads(AvatarForm, async (request) => {
 *   const form = await bindForm(AvatarForm, request);
 *   ...
 * }));
 * ```
 */
export function limitUploads<V extends View>(Class: FormClass<Fields, Form<Fields>>, view: V): V & { uploadLimits: UploadLimits } {
  view.uploadLimits = { ...view.uploadLimits, ...uploadLimitsOf(Class) };
  return view as V & { uploadLimits: UploadLimits };
}

/** `firstName` / `first_name` -> "First name" (Django's pretty_name). */
export function prettyName(name: string): string {
  const words = name.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function toMultiValueDict(data: FormInput | undefined): MultiValueDict<string> {
  if (data === undefined) return new MultiValueDict();
  if (data instanceof MultiValueDict) return data;
  const dict = new MultiValueDict<string>();
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') dict.append(key, value);
    else for (const v of value as readonly string[]) dict.append(key, v);
  }
  return dict;
}
