/**
 * Runs tsgi-webserver's CLI from this checkout's sources (for chain.test.ts). Loaded by path at
 * run time, so the examples do not type-depend on the web server's internals.
 * @module
 */
const cli: string = new URL('../../../packages/webserver/src/cli.ts', import.meta.url).href;
const { main } = (await import(cli)) as { main(argv: readonly string[]): Promise<number> };

process.exitCode = await main(process.argv.slice(2));
