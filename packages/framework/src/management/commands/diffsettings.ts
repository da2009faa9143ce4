/**
 * `diffsettings [--all]`: the settings that differ from the framework's defaults (Django's
 * `diffsettings`), one per line; secret values (SECRET_KEY...) are masked.
 * @module
 */
import { inspect } from 'node:util';
import { SETTING_DEFINITIONS } from '../../conf/settings.js';
import { defineCommand } from '../base.js';
import { loadSettings } from '../load-settings.js';

/** Names whose values are secrets (the debug page's rule, minus COOKIE: cookie names and paths are not secret). */
const SECRET_NAME = /API|TOKEN|KEY|SECRET|PASS|SIGNATURE/i;

/** Settings resolved from paths (BASE_DIR-relative) always differ; compare what a user can see. */
function show(value: unknown): string {
  return typeof value === 'function' ? `[Function ${value.name || 'anonymous'}]` : inspect(value, { depth: 4, breakLength: Infinity });
}

export default defineCommand({
  name: 'diffsettings',
  help: 'Displays the settings that differ from the defaults (secrets masked); --all shows every setting, marking changed ones with ###.',
  requiresProject: true,
  options: [{ name: 'all', type: 'boolean', help: 'Show every setting; those that differ from the default end with ###.' }],
  async handle({ project, stdout }, { options }) {
    const settings = await loadSettings(project!);
    const defaults = new Map(SETTING_DEFINITIONS.map((d) => [d.name as string, typeof d.default === 'function' ? (d.default as () => unknown)() : d.default]));
    const names = [...new Set([...defaults.keys(), ...Object.keys(settings).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k))])].sort();
    const lines: string[] = [];
    for (const name of names) {
      const value = (settings as Record<string, unknown>)[name];
      const changed = !defaults.has(name) || show(defaults.get(name)) !== show(value);
      if (!changed && !options.all) continue;
      const secret = SECRET_NAME.test(name) && (typeof value === 'string' ? value !== '' : Array.isArray(value) && value.length > 0);
      const shown = secret ? (Array.isArray(value) ? `[ ${value.map(() => "'********'").join(', ')} ]` : "'********************'") : show(value);
      lines.push(`${name} = ${shown}${changed && options.all ? '  ###' : ''}`);
    }
    stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
});
