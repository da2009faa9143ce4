/**
 * `tsgi-admin` from source, for tests (bin/tsgi-admin.js runs the same main from dist).
 * @module
 */
import { main } from '../../cli.js';

process.exitCode = await main(process.argv.slice(2));
