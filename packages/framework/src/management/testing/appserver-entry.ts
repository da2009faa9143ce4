/**
 * `tsgi-appserver` from source, for tests: resolves the package as a project would, so the
 * generated project is served by the real app server of this checkout.
 * @module
 */
import { main } from 'tsgi-appserver';

process.exitCode = await main(process.argv.slice(2));
