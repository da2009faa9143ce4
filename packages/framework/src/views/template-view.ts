/**
 * TemplateView (Django's `django.views.generic.base.TemplateView`): a class-based view that
 * renders a template on GET (and HEAD) with a context built by `getContextData()`.
 * @module
 */
import { ImproperlyConfigured } from '../core/exceptions.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse, ResponseInit } from '../http/response.js';
import { render } from '../shortcuts.js';
import { findTemplate, getTemplateEngine, TemplateDoesNotExist } from '../template/engine.js';
import { View } from './generic.js';

/**
 * Renders `templateName` with `getContextData()`: the route parameters, `view` (this instance)
 * and `extraContext`, plus what {@link render} gives every template (`it.request`, `it.url`,
 * `it.csrfInput`...). Override `getContextData()` to add to the context (call `super` first),
 * `getTemplateNames()` to choose the template per request (the first that exists is used).
 *
 * @example
 * ```ts
 * // A page with no code: about.html sees it.title.
 * path('about/', TemplateView.asView({ templateName: 'about.html', extraContext: { title: 'About' } }));
 *
 * // A page with its own data.
 * class Dashboard extends TemplateView {
 *   override templateName = 'dashboard.html';
 *   override async getContextData(extra: Record<string, unknown> = {}) {
 *     return { ...(await super.getContextData(extra)), latest: await latestArticles() };
 *   }
 * }
 * ```
 */
export class TemplateView extends View {
  /** The template to render (ImproperlyConfigured when neither it nor `getTemplateNames()` is set). */
  templateName: string | null = null;
  /** Added to every context (Django's `extra_context`). */
  extraContext: Record<string, unknown> | null = null;
  /** The response's Content-Type (default `text/html; charset=utf-8`). */
  contentType: string | null = null;

  /**
   * The template context: the route parameters, `view`, `extraContext`, then `extra`.
   * May be async when overridden.
   */
  getContextData(extra: Record<string, unknown> = {}): Record<string, unknown> | Promise<Record<string, unknown>> {
    return { ...this.params, view: this, ...(this.extraContext ?? {}), ...extra };
  }

  /** The candidate templates, in order (Django's `get_template_names`). */
  getTemplateNames(): string[] {
    if (this.templateName === null) {
      throw new ImproperlyConfigured(
        `${this.constructor.name} requires either a definition of 'templateName' or an implementation of 'getTemplateNames()'.`,
      );
    }
    return [this.templateName];
  }

  /** Renders the first existing template of `getTemplateNames()` with `context`. */
  renderToResponse(context: Record<string, unknown>, init: ResponseInit = {}): Promise<HttpResponse> {
    const names = this.getTemplateNames();
    const name = firstExisting(this.request, names);
    const contentType = init.contentType ?? this.contentType ?? undefined;
    return render(this.request, name, context, contentType === undefined ? init : { ...init, contentType });
  }

  /** GET (and HEAD): renders the template. */
  async get(_request: HttpRequest): Promise<HttpResponse> {
    return this.renderToResponse(await this.getContextData());
  }
}

/** Django's `select_template`: the first name a template directory holds. */
function firstExisting(request: HttpRequest, names: readonly string[]): string {
  if (names.length === 1) return names[0]!;
  const dirs = getTemplateEngine(request.settings).dirs;
  const tried: string[] = [];
  for (const name of names) {
    try {
      findTemplate(dirs, name);
      return name;
    } catch (error) {
      if (!(error instanceof TemplateDoesNotExist)) throw error;
      tried.push(...error.tried);
    }
  }
  throw new TemplateDoesNotExist(names.join(', '), tried);
}
