/**
 * Text generated from the settings table: `--help`, `--print-config` and the README's option
 * list (Markdown). Nothing here names a setting by hand.
 * @module
 */
import { SECTIONS, SETTING_NAMES, settingSpec, type AppserverSettings, type SettingName } from './settings.js';

/** The usage line. */
export const USAGE = 'tsgi-appserver [OPTIONS] APP';

function optionLabel(name: SettingName): string {
  const spec = settingSpec(name);
  if (spec.flags.length === 0) return spec.meta ?? name;
  const meta = spec.kind.flag ? '' : ` ${spec.meta ?? 'VALUE'}`;
  return `${spec.flags.join(', ')}${meta}`;
}

function defaultText(name: SettingName): string {
  const spec = settingSpec(name);
  if (spec.defaultText !== undefined) return spec.defaultText;
  return spec.kind.format(spec.default as never);
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/**
 * The `--help` text.
 *
 * @example
 * ```ts
 * console.log(renderHelp('0.1.0'));
 * ```
 */
export function renderHelp(version: string): string {
  const out: string[] = [
    `Usage: ${USAGE}`,
    '',
    `tsgi-appserver ${version}: a pre-fork application server for TSGI and Node apps, as Gunicorn is for WSGI.`,
    'APP is path/to/file.ts[:attribute]; the attribute defaults to `application`, then the default export.',
    '',
  ];
  for (const section of SECTIONS) {
    const names = SETTING_NAMES.filter((n) => settingSpec(n).section === section && settingSpec(n).flags.length > 0);
    if (names.length === 0) continue;
    out.push(`${section}:`);
    for (const name of names) {
      out.push(`  ${optionLabel(name)}`);
      const spec = settingSpec(name);
      const dflt = spec.kind.flag ? '' : ` [default: ${defaultText(name)}]`;
      out.push(wrap(`${spec.help}${dflt}`, 76, '      '));
    }
    out.push('');
  }
  out.push('Other:', '  -h, --help', '      Show this help and exit.', '  -v, --version', '      Show the version and exit.', '');
  out.push('Environment: TSGI_APPSERVER_ARGS holds extra options (applied after the config file, before the command line).');
  out.push('Signals (master): TERM, INT and QUIT stop gracefully within --graceful-timeout; HUP re-reads the settings and replaces the workers;');
  out.push('TTIN/TTOU add/remove a worker; USR1 reopens the log files.');
  return out.join('\n');
}

/**
 * Every effective setting, one per line (`--print-config`), in table order.
 *
 * @example
 * ```ts
 * console.log(renderSettings(settings));
 * ```
 */
export function renderSettings(settings: AppserverSettings): string {
  const width = Math.max(...SETTING_NAMES.map((n) => n.length));
  return SETTING_NAMES.map((name) => {
    const value = settings[name];
    return `${name.padEnd(width)} = ${settingSpec(name).kind.format(value as never)}`;
  }).join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * The option list as Markdown: one table per section with the flag, the config key, the default
 * and the help. The README's tsgi-appserver section embeds exactly this text.
 *
 * @example
 * ```ts
 * writeFileSync('options.md', renderOptionsMarkdown());
 * ```
 */
export function renderOptionsMarkdown(): string {
  const out: string[] = [];
  for (const section of SECTIONS) {
    const names = SETTING_NAMES.filter((n) => settingSpec(n).section === section);
    if (names.length === 0) continue;
    out.push(`#### ${section}`, '', '| option | config key | default | description |', '|---|---|---|---|');
    for (const name of names) {
      const spec = settingSpec(name);
      const option = spec.flags.length > 0 ? `\`${optionLabel(name)}\`` : spec.meta === 'APP' ? '`APP` (positional)' : '(config file only)';
      const key = spec.cliOnly ? '(command line only)' : `\`${name}\``;
      const dflt = spec.kind.flag ? '`false`' : `\`${defaultText(name)}\``;
      out.push(`| ${md(option)} | ${key} | ${md(dflt)} | ${md(spec.help)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
