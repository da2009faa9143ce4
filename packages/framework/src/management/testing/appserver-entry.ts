/**
 * `tsgi-appserver` from source, for tests: resolves the package as a project would, so the
 * generated project is served by the real app server of this checkout. Imported by name at run
 * time only: the framework does not depend on the app server (not even its types).
 * @module
 */
const specifier: string = 'tsgi-appserver';
const { main } = (await import(specifier)) as { main(argv: readonly string[]): Promise<number> };

process.exitCode = await main(process.argv.slice(2));
