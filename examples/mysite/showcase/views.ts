/**
 * The showcase app: one view per part of the Request a view gets. Each reads what the
 * framework parsed (query, form, files, cookies, JSON, headers, host, client address) and
 * shows it back, as an HTML page or as JSON.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest } from 'tsgi-framework';
import { FormView, JsonResponse, messages, RedirectView, render, requireHttpMethods, requirePOST, reverse } from 'tsgi-framework';
import { FeedbackForm } from './forms.js';

/** Everything about the request that needs no body: what `index` and `api` show. */
function describeRequest(request: HttpRequest) {
  return {
    method: request.method,
    path: request.path,
    pathInfo: request.pathInfo,
    mountPath: request.mountPath,
    fullPath: request.getFullPath(),
    absoluteUri: request.buildAbsoluteUri(),
    scheme: request.scheme,
    secure: request.isSecure(),
    host: request.getHost(),
    client: request.client.address,
    // Multi-value: `get` is the last value, `getAll` every one (?tag=a&tag=b).
    query: Object.fromEntries(request.GET.lists()),
    cookies: request.COOKIES,
    userAgent: request.header('user-agent'),
    accepts: request.accepts('text/html', 'application/json'),
    headers: Object.fromEntries(request.headers),
  };
}

/** GET /showcase/?name=Ada&tag=a&tag=b: the query string, cookies and headers, and the forms. */
export async function index(request: HttpRequest) {
  const visits = Number(request.COOKIES.visits ?? '0') + 1;
  const response = await render(request, 'showcase/index.html', {
    name: request.GET.get('name') ?? 'world',
    tags: request.GET.getAll('tag'),
    info: describeRequest(request),
    visits,
  });
  response.setCookie('visits', String(visits), { maxAge: 3600, httpOnly: true, sameSite: 'Lax', path: '/' });
  return response;
}

/** POST /showcase/form/: a urlencoded form, CSRF-checked by CsrfViewMiddleware. */
export const form = requirePOST(async function form(request: HttpRequest) {
  const data = await request.post();
  return render(request, 'showcase/result.html', {
    title: 'Form received',
    rows: [...data.lists()].map(([key, values]) => [key, values.join(', ')]),
    contentType: request.contentType,
    encoding: request.encoding,
  });
});

/** POST /showcase/upload/: multipart; big files stream to a temp file, never whole into memory. */
export const upload = requirePOST(async function upload(request: HttpRequest) {
  const files = await request.files();
  const rows: [string, string][] = [];
  for (const [field, file] of files) {
    const hash = createHash('sha256');
    const reader = file.stream().getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
    rows.push([field, `${file.name} · ${file.size} bytes · ${file.contentType} · ${file.inMemory ? 'in memory' : 'temp file'} · sha256 ${hash.digest('hex').slice(0, 16)}…`]);
  }
  for (const [key, values] of request.POST.lists()) rows.push([key, values.join(', ')]);
  return render(request, 'showcase/result.html', { title: 'Upload received', rows, contentType: request.contentType, encoding: request.encoding });
});

/** GET or POST /showcase/api/: the request as JSON; a POSTed JSON body is parsed and echoed. */
export const api = requireHttpMethods(['GET', 'POST'])(async function api(request: HttpRequest) {
  const body = request.method === 'POST' ? await request.json() : null;
  return new JsonResponse({ request: describeRequest(request), json: body });
});

/** GET /showcase/items/<int:id>/: route parameters arrive converted (a number here). */
export function item(request: HttpRequest<{ id: number }>) {
  const { id } = request.params;
  return new JsonResponse({ id, type: typeof id, url: reverse('showcase:item', { params: { id } }) });
}

/** /showcase/go/: a redirect to a named route, the query string kept (a RedirectView: no code). */
export const go = RedirectView.asView({ patternName: 'showcase:index', queryString: true });

/**
 * GET /showcase/feedback/: the form; POST: re-rendered with its errors, or, when valid, a
 * one-time message and a redirect to the showcase page, which shows it (once).
 */
export class FeedbackView extends FormView {
  override templateName = 'showcase/feedback.html';
  override formClass = FeedbackForm;

  override getSuccessUrl(): string {
    return reverse('showcase:index');
  }

  override async formValid(form: FeedbackForm) {
    const { name, topic, attachment } = form.cleanedData;
    const file = attachment === null ? '' : ` with ${attachment.name} (${attachment.size} bytes)`;
    messages.success(this.request, `Thanks, ${name}: your ${topic} came in${file}.`);
    return super.formValid(form);
  }
}
