/**
 * `showurls`: every URL pattern of the project with its view and reversible name, in the order
 * the resolver tries them (django-extensions' `show_urls`).
 * @module
 */
import { describeUrlPattern, urlpatternsOf } from '../../conf/checks.js';
import { CommandError, defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';

/** One printed row. */
interface Row {
  readonly route: string;
  readonly view: string;
  readonly name: string;
}

function viewName(entry: unknown): string {
  const view = (entry as { view?: { viewName?: unknown; name?: unknown } }).view;
  if (!view) return '?';
  if (typeof view.viewName === 'string' && view.viewName) return view.viewName;
  return typeof view.name === 'string' && view.name ? view.name : '(anonymous)';
}

function collect(list: readonly unknown[], prefix: string, namespace: string, out: Row[], depth = 0): void {
  if (depth > 32) return;
  for (const entry of list) {
    const info = describeUrlPattern(entry);
    if (!info) continue;
    const route = prefix + (info.isRegex ? `{${info.route}}` : info.route);
    if (info.children) {
      const ns = info.namespace ? (namespace ? `${namespace}:${info.namespace}` : info.namespace) : namespace;
      collect(info.children, route, ns, out, depth + 1);
    } else {
      out.push({ route: `/${route}`, view: viewName(entry), name: info.name ? (namespace ? `${namespace}:${info.name}` : info.name) : '' });
    }
  }
}

export default defineCommand({
  name: 'showurls',
  help: 'Lists every URL pattern with its view and name, in the order they are tried.',
  requiresProject: true,
  async handle({ project, stdout }) {
    const settings = await loadSettings(project!);
    const conf = settings.ROOT_URLCONF;
    let urlconf: unknown;
    try {
      urlconf = typeof conf === 'function' ? await (conf as () => unknown)() : conf;
    } catch (error) {
      throw new CommandError(`(tsgi.E008) ROOT_URLCONF failed to load: ${error instanceof Error ? error.message : String(error)}`);
    }
    const patterns = urlpatternsOf(urlconf) ?? [];
    const rows: Row[] = [];
    collect(patterns, '', '', rows);
    const width = (key: keyof Row) => Math.max(key.length, ...rows.map((r) => r[key].length));
    const [rw, vw] = [width('route'), width('view')];
    const lines = [`${'route'.padEnd(rw)}  ${'view'.padEnd(vw)}  name`];
    for (const r of rows) lines.push(`${r.route.padEnd(rw)}  ${r.view.padEnd(vw)}  ${r.name}`.trimEnd());
    stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
