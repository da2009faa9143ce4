/**
 * FormView (Django's `django.views.generic.edit.FormView`): GET renders the unbound form in a
 * template, POST binds and validates it; invalid re-renders it with its errors, valid calls
 * `formValid()`, which redirects to `successUrl` unless overridden. The form class's file limits
 * are enforced while the upload streams in.
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import { HttpResponseRedirect } from '../http/response.js';
import type { ResponseLike, View as ViewFunction } from '../core/types.js';
import { ImproperlyConfigured } from '../core/exceptions.js';
import { render } from '../shortcuts.js';
import { View } from '../views/generic.js';
import { bindForm, uploadLimitsOf, type FormClass, type FormOptions, type Form } from './form.js';

/**
 * A view showing a form and handling its submission.
 *
 * @example
 * ```ts
 * class ContactView extends FormView {
 *   templateName = 'contact.html'; // <form method="post"><%~ it.csrfInput %><%~ it.form.asDiv() %>...</form>
 *   formClass = ContactForm;
 *   successUrl = '/thanks/';
 *   override async formValid(form: ContactForm) {
 *     await sendMail(form.cleanedData.email);
 *     return super.formValid(form);
 *   }
 * }
 * path('contact/', ContactView.asView(), { name: 'contact' });
 * ```
 */
export class FormView extends View {
  /** The template rendered with `form` (and `view`) in its context. */
  templateName: string | null = null;
  /** The form class. */
  formClass: FormClass | null = null;
  /** Where a valid submission redirects. */
  successUrl: string | null = null;
  /** Initial values of the unbound form. */
  initial: Record<string, unknown> = {};
  /** The form's prefix. */
  prefix: string | null = null;

  /**
   * The view function; also declares the form's file limits (`uploadLimits`) so they are enforced
   * while the body streams in, before any middleware reads it.
   */
  static override asView<T extends View>(this: new () => T, initial: Partial<T> = {}): ViewFunction {
    const view = View.asView.call(this, initial);
    const probe = Object.assign(new this(), initial) as unknown as FormView;
    if (probe.formClass !== null) view.uploadLimits = uploadLimitsOf(probe.formClass, probe.prefix);
    return view;
  }

  /** The form class ({@link formClass}, or ImproperlyConfigured). */
  getFormClass(): FormClass {
    if (this.formClass === null) throw new ImproperlyConfigured(`${this.constructor.name} is missing a formClass.`);
    return this.formClass;
  }

  /** Options every form of this view gets (initial values, prefix). */
  getFormOptions(): FormOptions {
    return { initial: { ...this.initial }, prefix: this.prefix ?? undefined };
  }

  /** The form: bound to the body for POST/PUT, unbound otherwise. */
  async getForm(): Promise<Form> {
    const Class = this.getFormClass();
    if (this.request.method === 'POST' || this.request.method === 'PUT') return bindForm(Class, this.request, this.getFormOptions());
    return new Class(this.getFormOptions());
  }

  /** The template context: `view` and `extra` (`form`). */
  getContextData(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { view: this, ...extra };
  }

  /** Renders {@link templateName} with `context`. */
  async renderToResponse(context: Record<string, unknown>): Promise<ResponseLike> {
    if (this.templateName === null) throw new ImproperlyConfigured(`${this.constructor.name} is missing a templateName.`);
    return render(this.request, this.templateName, context);
  }

  /** GET: the unbound form. */
  async get(_request: HttpRequest): Promise<ResponseLike> {
    return this.renderToResponse(this.getContextData({ form: await this.getForm() }));
  }

  /** POST: validate, then {@link formValid} or {@link formInvalid}. */
  async post(_request: HttpRequest): Promise<ResponseLike> {
    const form = await this.getForm();
    return (await form.isValid()) ? this.formValid(form) : this.formInvalid(form);
  }

  /** PUT is handled as POST (Django's ProcessFormView). */
  async put(request: HttpRequest): Promise<ResponseLike> {
    return this.post(request);
  }

  /** A valid form: redirect to {@link getSuccessUrl}. Override to act on `form.cleanedData` first. */
  formValid(_form: Form): ResponseLike | Promise<ResponseLike> {
    return new HttpResponseRedirect(this.getSuccessUrl());
  }

  /** An invalid form: the page again, with the submitted values and the errors. */
  formInvalid(form: Form): ResponseLike | Promise<ResponseLike> {
    return this.renderToResponse(this.getContextData({ form }));
  }

  /** {@link successUrl}, or ImproperlyConfigured. */
  getSuccessUrl(): string {
    if (!this.successUrl) throw new ImproperlyConfigured(`No URL to redirect to. Provide a successUrl on ${this.constructor.name}.`);
    return this.successUrl;
  }
}
