/**
 * Template errors name their file. eta reports a syntax error with its line and column but not
 * the file ("unclosed tag at line 2 col 7"); a site has many templates, so the file's path is put
 * in front: "/srv/site/templates/home.html: unclosed tag at line 2 col 7". (Runtime errors with
 * DEBUG already read "/srv/site/templates/home.html:2" from eta's debug mode.)
 * @module
 */
import { EtaParseError, type Eta } from 'eta';

/**
 * Wraps `eta.compile` so a parse error of a template file starts with that file's path.
 *
 * @example
 * ```ts
 * const eta = new Eta({ views: dir });
 * nameFilesInParseErrors(eta);
 * ```
 */
export function nameFilesInParseErrors(eta: Eta): void {
  const compile = eta.compile;
  eta.compile = function compileNamingTheFile(this: ThisParameterType<Eta['compile']>, source, options) {
    try {
      return compile.call(this, source, options);
    } catch (error) {
      const file = options?.filepath;
      if (error instanceof EtaParseError && file && !error.message.startsWith(file)) error.message = `${file}: ${error.message}`;
      throw error;
    }
  };
}
