/**
 * `startapp NAME [DIRECTORY]`: writes an app (views, urls, templates, static) from src/app-template.
 * @module
 */
import { rm } from 'node:fs/promises';
import { defineCommand } from '../base.js';
import { validateName } from '../names.js';
import { copyTemplate, templateSource } from '../template.js';
import { prepareTarget } from './startproject.js';

/** `blog_posts` -> `BlogPosts`. */
function camelCase(name: string): string {
  return name.split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export default defineCommand({
  name: 'startapp',
  help:
    'Creates an app directory structure for the given app name in the current directory or ' +
    'optionally in the given directory.',
  args: [
    { name: 'name', help: 'Name of the application or project.' },
    { name: 'directory', help: 'Optional destination directory (must exist).', optional: true },
  ],
  options: [
    { name: 'template', type: 'string', metavar: 'DIR', help: 'A directory to copy instead of the built-in app template (files ending in -tpl are rendered).' },
  ],
  async handle({ cwd, stdout }, { args, options }) {
    const name = args.name;
    validateName(name, 'app', cwd);
    const source = await templateSource(options.template, 'app-template', cwd);
    const { target, created } = await prepareTarget(name, args.directory, cwd);
    try {
      await copyTemplate(source, target, {
        app_name: name,
        camel_case_app_name: camelCase(name),
      });
    } catch (error) {
      if (created) await rm(target, { recursive: true, force: true });
      throw error;
    }
    stdout.write(
      `Created app '${name}' in ${target}\n\nNext: add it to your URLconf, e.g. in urls.ts:\n` +
        `  import { urlpatterns as ${name}Urls } from '../${name}/urls.js';\n` +
        `  path('${name}/', include(${name}Urls, { namespace: '${name}' })),\n` +
        `and add '${name}' to INSTALLED_APPS so its templates/ and static/ are found.\n`,
    );
    return 0;
  },
});
