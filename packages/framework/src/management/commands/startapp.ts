/**
 * `startapp NAME [DIRECTORY]`: writes an app (views, urls, templates, static) from src/app-template.
 * @module
 */
import { defineCommand } from '../base.js';
import { templateCommandSpec, writeFromTemplate } from '../template.js';

/** `blog_posts` -> `BlogPosts`. */
function camelCase(name: string): string {
  return name.split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export default defineCommand({
  name: 'startapp',
  help:
    'Creates an app directory structure for the given app name in the current directory or ' +
    'optionally in the given directory.',
  ...templateCommandSpec('app'),
  async handle({ cwd, stdout }, { args, options }) {
    const name = args.name;
    const target = await writeFromTemplate('app', name, args.directory, options.template, cwd, (app) => ({
      app_name: app,
      camel_case_app_name: camelCase(app),
    }));
    stdout.write(
      `Created app '${name}' in ${target}\n\nNext: add it to your URLconf, e.g. in urls.ts:\n` +
        `  import { urlpatterns as ${name}Urls } from '../${name}/urls.js';\n` +
        `  path('${name}/', include(${name}Urls, { namespace: '${name}' })),\n` +
        `and add '${name}' to INSTALLED_APPS so its templates/ and static/ are found.\n`,
    );
    return 0;
  },
});
