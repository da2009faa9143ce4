/**
 * Every management command, in the order `help` lists them. A command is a module whose
 * default export is a {@link Command}; adding one is adding a line here.
 * @module
 */
import type { Command } from './base.js';
import check from './commands/check.js';
import collectstatic from './commands/collectstatic.js';
import diffsettings from './commands/diffsettings.js';
import runserver from './commands/runserver.js';
import showurls from './commands/showurls.js';
import startapp from './commands/startapp.js';
import startproject from './commands/startproject.js';
import test from './commands/test.js';

export const commands: readonly Command[] = [check, collectstatic, diffsettings, runserver, showurls, startapp, startproject, test];
