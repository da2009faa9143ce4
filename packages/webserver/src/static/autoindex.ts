/**
 * Directory listings (nginx `autoindex`): HTML in nginx's layout, or JSON in nginx's
 * `autoindex_format json` shape. Names are HTML-escaped in text and percent-encoded in links, so
 * a file called `<img src=x onerror=alert(1)>` is shown, never run. Hidden entries follow the
 * dotfiles rule. Entries are stat-ed in bounded batches: no unbounded fan-out on a huge directory.
 * @module
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { formatHttpDate } from './http-date.js';

/** One listed entry. */
export interface ListingEntry {
  readonly name: string;
  readonly directory: boolean;
  readonly size: number;
  readonly mtime: number;
}

const BATCH = 64;

/** Reads a directory, skipping dotfiles unless allowed and entries that vanish meanwhile. */
export async function readListing(dir: string, showHidden: boolean): Promise<ListingEntry[]> {
  const dirents: Dirent[] = await readdir(dir, { withFileTypes: true });
  const wanted = dirents.filter((d) => showHidden || !d.name.startsWith('.'));
  const out: ListingEntry[] = [];
  for (let i = 0; i < wanted.length; i += BATCH) {
    const batch = wanted.slice(i, i + BATCH);
    const stats = await Promise.all(batch.map((d) => stat(dir + d.name).catch(() => undefined)));
    batch.forEach((d, j) => {
      const st = stats[j];
      if (st === undefined || (!st.isFile() && !st.isDirectory())) return;
      out.push({ name: d.name, directory: st.isDirectory(), size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
    });
  }
  // Directories first, then by name (code-point order, stable across locales).
  out.sort((a, b) => (a.directory !== b.directory ? (a.directory ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function listingDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** nginx-style HTML listing. `urlPath` is the decoded directory path (ends with `/`). */
export function renderHtml(urlPath: string, entries: readonly ListingEntry[]): string {
  const title = escapeHtml(urlPath);
  const rows: string[] = [];
  if (urlPath !== '/') rows.push('<a href="../">../</a>');
  for (const e of entries) {
    const shown = e.name + (e.directory ? '/' : '');
    const href = encodeURIComponent(e.name) + (e.directory ? '/' : '');
    // `./` keeps a name such as `javascript:x` or `a:b` a relative reference.
    const pad = ' '.repeat(Math.max(1, 51 - [...shown].length));
    const size = e.directory ? '-' : String(e.size);
    rows.push(`<a href="./${escapeHtml(href)}">${escapeHtml(shown)}</a>${pad}${listingDate(e.mtime)} ${size.padStart(19)}`);
  }
  return (
    '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Index of ' +
    title +
    '</title></head>\n<body>\n<h1>Index of ' +
    title +
    '</h1><hr><pre>' +
    rows.join('\n') +
    '\n</pre><hr></body>\n</html>\n'
  );
}

/** nginx `autoindex_format json`: `[{ "name", "type", "mtime", "size"? }]`. */
export function renderJson(entries: readonly ListingEntry[]): string {
  return (
    JSON.stringify(
      entries.map((e) =>
        e.directory
          ? { name: e.name, type: 'directory', mtime: formatHttpDate(e.mtime) }
          : { name: e.name, type: 'file', mtime: formatHttpDate(e.mtime), size: e.size },
      ),
    ) + '\n'
  );
}
