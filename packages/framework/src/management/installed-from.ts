/**
 * Where a new project would already find tsgi-framework without an install of its own: Node
 * resolves packages from every `node_modules` above a file, so a project made inside this
 * repository (or inside any project that installed tsgi-framework) runs on those packages, as
 * examples/mysite does. startproject tells the user so instead of sending them to `npm install`.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest `node_modules` folder above `projectDir` that holds tsgi-framework (Node's own
 * lookup order), or undefined when the project needs its own install.
 *
 * @example
 * ```ts
 * installedFrom('/src/tsgi/mysite'); // '/src/tsgi/node_modules'
 * installedFrom('/tmp/mysite');      // undefined
 * ```
 */
export function installedFrom(projectDir: string): string | undefined {
  // The project's own node_modules does not exist yet: start one level up. Bounded by the path's depth.
  for (let dir = dirname(projectDir); ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(join(modules, 'tsgi-framework', 'package.json'))) return modules;
    if (dirname(dir) === dir) return undefined;
  }
}
